// The dashboards area's pages: one chunk (with vega and the grid), loaded on first visit.
export { Alerts } from './Alerts';
export { Dashboard } from './Dashboard';
export { Dashboards } from './Dashboards';
export { SharedDashboard } from './SharedDashboard';
