// One dashboard (/orgs/:orgId/dashboards/:id, the path subscription mails link to): its widgets
// computed by /data with the filters applied, and for editors the builder: drag and resize on
// the grid or type places in the table, save the layout (the API's refusal shown next to the
// widget), add widgets and filters, share, export, subscribe.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';
import { AddFilter } from './AddFilter';
import { AddWidget } from './AddWidget';
import { Arrange } from './Arrange';
import { loadCatalog, widgetTitles } from './catalog';
import { DashboardGrid } from './DashboardGrid';
import { ExportPanel } from './ExportPanel';
import { FilterBar } from './FilterBar';
import { type FilterInputs, filterQuery } from './filters';
import { layoutChanged, nextPlace, placeWidgets, widgetId, widgetMessages } from './layout';
import { SharePanel } from './SharePanel';
import { SubscriptionsPanel } from './SubscriptionsPanel';
import type { DashboardData, DashboardFilter, FilterValue, Widget } from './types';

export function Dashboard() {
  const { orgId = '', id = '' } = useParams();
  const path = useMemo(() => ({ orgId, dashboardId: id }), [orgId, id]);
  const board = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/dashboards/{dashboardId}', { params: { path } })), [path]));
  const catalog = useLoad(useCallback(() => loadCatalog(orgId), [orgId]));
  const [draft, setDraft] = useState<Widget[] | null>(null);
  const [applied, setApplied] = useState<Record<string, FilterValue>>({});
  const [data, setData] = useState<DashboardData | undefined>(undefined);
  const [dataProblem, setDataProblem] = useState<Problem | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  // Bumped after an addition: the add forms start again empty.
  const [added, setAdded] = useState(0);

  const saved = board.data;
  // Every widget computed again when the saved board or the applied filters change.
  useEffect(() => {
    if (!saved) return;
    let stale = false;
    const filters = Object.keys(applied).length ? JSON.stringify(applied) : undefined;
    call(api.GET('/orgs/{orgId}/dashboards/{dashboardId}/data', { params: { path, query: filters ? { filters } : {} } }))
      .then((answer) => {
        if (stale) return;
        setData(answer);
        setDataProblem(null);
      })
      .catch((err: unknown) => {
        if (!stale) setDataProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      });
    return () => {
      stale = true;
    };
  }, [saved, applied, path]);

  const update = async (body: { widgets?: Widget[]; filters?: DashboardFilter[] }) => {
    await call(api.PATCH('/orgs/{orgId}/dashboards/{dashboardId}', { params: { path }, body }));
    await board.reload();
  };
  const saveLayout = useAction(async (widgets: Widget[]) => {
    await update({ widgets });
    setDraft(null);
    setSaid('The layout is saved.');
  });

  if (!saved) {
    return (
      <Page title="Dashboard">
        <ProblemAlert problem={board.problem} />
        {!board.problem && <p role="status">Loading…</p>}
      </Page>
    );
  }
  const editable = saved.access === 'edit';
  const widgets = draft ?? saved.widgets;
  const titles = widgetTitles(widgets, catalog.data);
  const messages = widgetMessages(saveLayout.problem, widgets);
  const byWidget = new Map((data?.widgets ?? []).map((w) => [w.widgetId, w]));
  const changed = draft !== null && layoutChanged(saved.widgets, draft);
  const edit = (next: Widget[]) => {
    setDraft(next);
    setSaid(null);
    saveLayout.clear();
  };

  return (
    <Page title={saved.name}>
      {saved.description && <p>{saved.description}</p>}
      <FilterBar filters={saved.filters} applied={data?.filters} problem={dataProblem} onApply={(inputs: FilterInputs) => setApplied(filterQuery(saved.filters, inputs))} />
      {said && <Notice>{said}</Notice>}
      {editable && changed && (
        <div className="dashboard-actions">
          <button type="button" className="primary" onClick={() => saveLayout.start(widgets)} disabled={saveLayout.pending}>
            Save the layout
          </button>
          <button type="button" onClick={() => edit(saved.widgets)}>
            Undo the changes
          </button>
        </div>
      )}
      <ProblemAlert problem={saveLayout.problem} />
      {widgets.length === 0 && <p>No widgets yet{editable ? ': add a chart or a question below.' : '.'}</p>}
      <DashboardGrid widgets={widgets} data={byWidget} titles={titles} editable={editable} messages={messages} onArrange={(cells) => edit(placeWidgets(widgets, cells))} />
      {editable && (
        <div className="panels">
          <section aria-labelledby="arrange-title">
            <h2 id="arrange-title">Arrange</h2>
            <p className="hint">Drag a widget by its handle and resize it from its corner, or type its place: 12 columns, counted from 0.</p>
            <Arrange widgets={widgets} titles={titles} messages={messages} onChange={edit} onRemove={(wid) => edit(widgets.filter((w) => w.id !== wid))} />
          </section>
          <section aria-labelledby="add-widget-title">
            <h2 id="add-widget-title">Add a widget</h2>
            {catalog.data && (
              <AddWidget
                key={added}
                catalog={catalog.data}
                filters={saved.filters}
                onAdd={async (widget) => {
                  const place = nextPlace(saved.widgets, widget.w, widget.h);
                  const name = widgetTitles([{ ...widget, ...place, id: 'new' }], catalog.data).get('new') ?? 'widget';
                  // The name is stored: a shared link's page has no access to the org's charts to name them.
                  await update({ widgets: [...saved.widgets, { ...widget, ...place, title: name, id: widgetId(name, saved.widgets) }] });
                  setDraft(null);
                  setAdded((n) => n + 1);
                  setSaid('The widget is added.');
                }}
              />
            )}
            <ProblemAlert problem={catalog.problem} />
          </section>
          <section aria-labelledby="add-filter-title">
            <h2 id="add-filter-title">Filters</h2>
            {saved.filters.length > 0 && (
              <ul className="list" aria-label="Filters of this dashboard">
                {saved.filters.map((f) => (
                  <li key={f.id}>
                    {f.label} <span className="meta">({f.kind.replace('_', ' ')})</span>
                  </li>
                ))}
              </ul>
            )}
            <AddFilter
              key={added}
              filters={saved.filters}
              onAdd={async (filter) => {
                await update({ filters: [...saved.filters, filter] });
                setAdded((n) => n + 1);
                setSaid(`The filter “${filter.label}” is added: map it to parameters when adding widgets.`);
              }}
            />
          </section>
          <SharePanel orgId={orgId} dashboardId={id} />
          <SubscriptionsPanel orgId={orgId} dashboardId={id} />
        </div>
      )}
      <div className="panels">
        <ExportPanel orgId={orgId} dashboardId={id} filters={applied} />
      </div>
    </Page>
  );
}
