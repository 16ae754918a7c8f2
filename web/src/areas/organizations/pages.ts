// The organizations area's pages: one chunk, loaded when one of its routes is first visited.
import './organizations.css';

export { AcceptInvitation } from './AcceptInvitation';
export { AuditLog } from './AuditLog';
export { CreateOrganization } from './CreateOrganization';
export { Members } from './Members';
export { OrgOverview } from './OrgOverview';
export { WebhookDeliveries } from './WebhookDeliveries';
export { Webhooks } from './Webhooks';
