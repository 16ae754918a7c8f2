// The chat API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const ItemParams = Type.Object({ orgId: Uuid(), itemId: Uuid() });

export const ItemView = named(
  'ChatItem',
  Type.Object({ id: Uuid(), orgId: Uuid(), name: Type.String(), createdAt: Timestamp() }),
);

export const CreateItemBody = Type.Object({ name: Line(120, { pattern: '\\S' }) });
export const ListItemsQuery = Type.Object({ ...PageQuery });
