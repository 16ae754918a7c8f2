// An API reference page: an OpenAPI or Swagger document's operations grouped by tag (the first
// one; untagged ones last), each with its parameters, request body and responses.
import type { ApiDoc } from '../../model.ts';
import { cell, codeSpan, escapeInline, escapeText } from '../markdown-escape.ts';
import type { SiteMap } from './site.ts';
import { linkOrCode } from './values.ts';

const UNTAGGED = 'Other operations';

function operationMarkdown(op: ApiDoc['operations'][number]): string {
  const parts = [`### ${codeSpan(`${op.method.toUpperCase()} ${op.path}`)}`];
  if (op.summary?.trim()) parts.push(`**${escapeInline(op.summary)}**`);
  if (op.operationId) parts.push(`Operation ${codeSpan(op.operationId)}.`);
  if (op.description?.trim()) parts.push(escapeText(op.description));
  if (op.parameters.length) {
    parts.push(
      ['| Parameter | In | Type | Required | Description |', '| --- | --- | --- | --- | --- |', ...op.parameters.map((p) => `| ${codeSpan(p.name)} | ${cell(p.in)} | ${cell(p.type ?? '')} | ${p.required ? 'yes' : 'no'} | ${cell(p.description ?? '')} |`)].join('\n'),
    );
  }
  if (op.requestBody?.trim()) parts.push(`Request body: ${escapeText(op.requestBody)}`);
  if (op.responses.length) parts.push(['| Status | Description |', '| --- | --- |', ...op.responses.map((r) => `| ${cell(r.status)} | ${cell(r.description ?? '')} |`)].join('\n'));
  return parts.join('\n\n');
}

export function apiPageMarkdown(slug: string, api: ApiDoc, site: SiteMap, intro: string): string {
  const parts = [`# ${escapeInline(api.title || api.path)}`];
  if (intro.trim()) parts.push(intro);
  parts.push(`${api.version ? `Version ${escapeInline(api.version)}, read` : 'Read'} from ${linkOrCode(slug, api.path, site.file(api.path))}. ${api.operations.length} operation${api.operations.length === 1 ? '' : 's'}.`);
  if (api.description?.trim()) parts.push(escapeText(api.description));
  const groups = new Map<string, ApiDoc['operations']>();
  for (const op of api.operations) {
    const tag = op.tags[0]?.trim() || UNTAGGED;
    const group = groups.get(tag);
    if (group) group.push(op);
    else groups.set(tag, [op]);
  }
  const tags = [...groups.keys()].sort((a, b) => (a === UNTAGGED ? 1 : b === UNTAGGED ? -1 : a.localeCompare(b)));
  for (const tag of tags) {
    parts.push(`## ${escapeInline(tag)}`);
    for (const op of groups.get(tag) ?? []) parts.push(operationMarkdown(op));
  }
  return parts.join('\n\n');
}
