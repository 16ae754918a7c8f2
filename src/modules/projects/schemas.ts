// The projects API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Text, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';

const Uuid = uuid();
const DateTime = Timestamp();
const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Money in minor units (cents)' });

export const KEY_PATTERN = '^[A-Z][A-Z0-9]{1,9}$';
export const MAX_TAGS = 20;

const Name = Line(200);
const Key = Type.String({ pattern: KEY_PATTERN, description: 'Short code, unique among the live projects of the org, e.g. WEB', examples: ['WEB'] });
const Description = Text(10_000);
const Client = Line(200);
const Tag = Line(40);
const Tags = Type.Array(Tag, { maxItems: MAX_TAGS });
const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb', examples: ['#3366ff'] });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code; null means the organization currency', examples: ['EUR'] });
const BudgetHours = Type.Number({ minimum: 0, maximum: 1_000_000 });

export const ProjectStatus = Type.Union([Type.Literal('active'), Type.Literal('archived')]);
export const ProjectRole = Type.Union([Type.Literal('manager'), Type.Literal('contributor'), Type.Literal('viewer')]);
export const TaskStatus = Type.Union([Type.Literal('todo'), Type.Literal('in_progress'), Type.Literal('done')]);

export const OrgParams = Type.Object({ orgId: Uuid });
export const ProjectParams = Type.Object({ orgId: Uuid, projectId: Uuid });
export const MemberParams = Type.Object({ orgId: Uuid, projectId: Uuid, userId: Uuid });
export const TaskParams = Type.Object({ orgId: Uuid, projectId: Uuid, taskId: Uuid });
export const TemplateParams = Type.Object({ orgId: Uuid, templateId: Uuid });

export const ProjectView = named(
  'Project',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    name: Type.String(),
    key: Type.String(),
    description: Nullable(Type.String()),
    status: ProjectStatus,
    client: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    color: Nullable(Type.String()),
    budgetHours: Nullable(Type.Number()),
    budgetMinor: Nullable(Type.Integer()),
    currency: Nullable(Type.String()),
    billableDefault: Type.Boolean(),
    hourlyRateMinor: Nullable(Type.Integer()),
    templateId: Nullable(Uuid),
    createdBy: Uuid,
    createdAt: DateTime,
    updatedAt: DateTime,
    lastActivityAt: DateTime,
    archivedAt: Nullable(DateTime),
    deletedAt: Nullable(DateTime),
  }),
);

const projectFields = {
  description: Type.Optional(Nullable(Description)),
  client: Type.Optional(Nullable(Client)),
  tags: Type.Optional(Tags),
  color: Type.Optional(Nullable(Color)),
  budgetHours: Type.Optional(Nullable(BudgetHours)),
  budgetMinor: Type.Optional(Nullable(Minor)),
  currency: Type.Optional(Nullable(Currency)),
  billableDefault: Type.Optional(Type.Boolean()),
  hourlyRateMinor: Type.Optional(Nullable(Minor)),
};

export const CreateProjectBody = Type.Object({
  name: Name,
  key: Key,
  templateId: Type.Optional(uuid('Start from this template: its tasks and settings, overridden by the fields given here')),
  ...projectFields,
});

export const UpdateProjectBody = Type.Object({ name: Type.Optional(Name), key: Type.Optional(Key), ...projectFields });

export const SORTS = ['name', 'created', 'updated', 'activity'] as const;
export const ListProjectsQuery = Type.Object({
  q: Type.Optional(Line(200, { blank: true, description: 'Full-text search over name, key, description, client and tags; key prefixes match too' })),
  status: Type.Optional(ProjectStatus),
  tag: Type.Optional(Tag),
  member: Type.Optional(uuid('Only projects this user is a member of')),
  client: Type.Optional(Client),
  sort: Type.Union(SORTS.map((s) => Type.Literal(s)), { default: 'created' }),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'Default: asc for name, desc otherwise' })),
  includeDeleted: Type.Boolean({ default: false, description: 'Org admins only' }),
  ...PageQuery,
});

export const MemberView = named(
  'ProjectMember',
  Type.Object({
    userId: Uuid,
    email: Nullable(Type.String()),
    role: ProjectRole,
    hourlyRateMinor: Nullable(Type.Integer()),
    addedAt: DateTime,
    updatedAt: DateTime,
  }),
);
export const MemberList = named('ProjectMemberList', Type.Object({ data: Type.Array(MemberView) }));
export const PutMemberBody = Type.Object({
  role: ProjectRole,
  hourlyRateMinor: Type.Optional(Nullable(Minor)),
});

export const TaskView = named(
  'Task',
  Type.Object({
    id: Uuid,
    projectId: Uuid,
    name: Type.String(),
    status: TaskStatus,
    estimateMinutes: Nullable(Type.Integer()),
    assigneeId: Nullable(Uuid),
    createdAt: DateTime,
    updatedAt: DateTime,
  }),
);
const Estimate = Type.Integer({ minimum: 0, maximum: 1_000_000 });
export const CreateTaskBody = Type.Object({
  name: Name,
  // The service's default too; here it reaches the document.
  status: Type.Optional({ ...TaskStatus, default: 'todo' }),
  estimateMinutes: Type.Optional(Nullable(Estimate)),
  assigneeId: Type.Optional(Nullable(Uuid)),
});
export const UpdateTaskBody = Type.Object({
  name: Type.Optional(Name),
  status: Type.Optional(TaskStatus),
  estimateMinutes: Type.Optional(Nullable(Estimate)),
  assigneeId: Type.Optional(Nullable(Uuid)),
});
export const ListTasksQuery = Type.Object({
  status: Type.Optional(TaskStatus),
  assigneeId: Type.Optional(Uuid),
  ...PageQuery,
});

export const TemplateTask = named('ProjectTemplateTask', Type.Object({ name: Type.String(), estimateMinutes: Nullable(Type.Integer()) }));
/** Settings a template carries and a project made from it starts with. */
export const TemplateSettings = named(
  'ProjectTemplateSettings',
  Type.Object({
    client: Nullable(Type.String()),
    color: Nullable(Type.String()),
    billableDefault: Type.Boolean(),
    hourlyRateMinor: Nullable(Type.Integer()),
    budgetHours: Nullable(Type.Number()),
    budgetMinor: Nullable(Type.Integer()),
    currency: Nullable(Type.String()),
  }),
);
export const TemplateView = named(
  'ProjectTemplate',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    name: Type.String(),
    sourceProjectId: Nullable(Uuid),
    tags: Type.Array(Type.String()),
    settings: TemplateSettings,
    tasks: Type.Array(TemplateTask),
    createdBy: Uuid,
    createdAt: DateTime,
  }),
);
export const SaveTemplateBody = Type.Object({ name: Name });
export const ListTemplatesQuery = Type.Object({ ...PageQuery });
