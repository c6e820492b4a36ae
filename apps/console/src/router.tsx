import { createBrowserRouter, Navigate } from 'react-router';
import { Layout } from './layout.js';
import { AgentsPage } from './pages/agents.js';
import { ApiKeysPage } from './pages/api-keys.js';
import { CallPage } from './pages/call.js';
import { CallsPage } from './pages/calls.js';
import { CarrierPage } from './pages/carrier.js';
import { CarriersPage } from './pages/carriers.js';
import { NumbersPage } from './pages/numbers.js';
import { SignInPage } from './pages/sign-in.js';

export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: <Navigate to="/calls" replace /> },
      { path: 'calls', element: <CallsPage /> },
      { path: 'calls/:id', element: <CallPage /> },
      { path: 'carriers', element: <CarriersPage /> },
      { path: 'carriers/new', element: <CarrierPage /> },
      { path: 'carriers/:id', element: <CarrierPage /> },
      { path: 'numbers', element: <NumbersPage /> },
      { path: 'agents', element: <AgentsPage /> },
      { path: 'api-keys', element: <ApiKeysPage /> },
      { path: '*', element: <p>Nothing here.</p> },
    ],
  },
]);
