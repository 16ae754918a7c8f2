import { useSyncExternalStore } from 'react';
import { session } from '../api/session';

export const useSession = () => useSyncExternalStore(session.subscribe, session.get);
