// The header's way to the notifications: a link with the unread count, updated live. The count
// is part of the link's name, so a screen reader hears "Inbox, 2 unread".
import { NavLink } from 'react-router';
import './live.css';
import { useUnreadCount } from './unread';

export function InboxLink() {
  const unread = useUnreadCount();
  return (
    <NavLink to="/notifications" className="inbox-link">
      Inbox
      {unread !== undefined && unread > 0 && (
        <span className="unread-count">
          {unread}
          <span className="visually-hidden"> unread</span>
        </span>
      )}
    </NavLink>
  );
}
