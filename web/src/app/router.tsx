import { createBrowserRouter } from 'react-router';
import { AREA_ROUTES } from './areas';
import { Layout } from './Layout';
import { NotFound } from './NotFound';

export const router = createBrowserRouter([{ path: '/', Component: Layout, children: [...AREA_ROUTES, { path: '*', Component: NotFound }] }]);
