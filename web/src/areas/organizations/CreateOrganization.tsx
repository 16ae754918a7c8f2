// A new organization, top-level or under one I administer (`?parent=` chooses it). I become its
// owner; the switcher's list is loaded again and the new organization opens.
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { orgs, useOrgs } from '../../app/orgs';
import { Field, SelectField } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { useAction } from '../../ui/useAction';
import { isAdmin } from './roles';

/** `Acme East` → `acme-east`: a suggestion the person may change. */
export const slugOf = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

export function CreateOrganization() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const list = useOrgs();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const parents = (list ?? []).filter((o) => isAdmin(o.role));

  const create = useAction(async (v: Record<string, string>) => {
    const org = await call(api.POST('/orgs', { body: { name: v.name, slug: v.slug, ...(v.parentId ? { parentId: v.parentId } : {}) } }));
    await orgs.reload();
    navigate(`/orgs/${org.id}`);
  });

  return (
    <Page title="Create an organization" narrow>
      <p>You become its owner. Under another organization, that organization's owners and admins keep their roles in it.</p>
      <Form onSubmit={create.start} problem={create.problem} pending={create.pending} submitLabel="Create the organization">
        {(errors) => (
          <>
            <Field
              label="Name"
              name="name"
              required
              value={name}
              error={errors.name}
              onChange={(e) => {
                setName(e.target.value);
                if (!slugEdited) setSlug(slugOf(e.target.value));
              }}
            />
            <Field
              label="Slug"
              name="slug"
              hint="Its short name in addresses: lowercase letters, digits and inner hyphens, e.g. acme-east."
              required
              value={slug}
              error={errors.slug}
              onChange={(e) => {
                setSlug(e.target.value);
                setSlugEdited(true);
              }}
            />
            <SelectField label="Under" name="parentId" defaultValue={params.get('parent') ?? ''} error={errors.parentId} key={list ? 'loaded' : 'loading'}>
              <option value="">No organization (top level)</option>
              {parents.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </SelectField>
          </>
        )}
      </Form>
    </Page>
  );
}
