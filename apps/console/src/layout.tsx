import { Navigate, NavLink, Outlet } from 'react-router';
import { useLiveCalls } from './live-calls.js';
import { useSession, useSignOut } from './session.js';

const SECTIONS = [
  ['/calls', 'Calls'],
  ['/carriers', 'Carriers'],
  ['/numbers', 'Numbers'],
  ['/agents', 'Agents'],
  ['/api-keys', 'API keys'],
] as const;

/** The signed-in frame: navigation, who is signed in, and the page. */
export function Layout() {
  const session = useSession();
  const signOut = useSignOut();
  useLiveCalls(Boolean(session.data));
  if (session.isPending) return <p className="loading">Loading…</p>;
  if (!session.data) return <Navigate to="/sign-in" replace />;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Patchbay</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to}>{label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {session.data.keyName}
          <button type="button" onClick={() => signOut.mutate()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
