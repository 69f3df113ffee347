import { Outlet } from 'react-router-dom';
import { SideNav } from './SideNav';
import { TopBar } from './TopBar';

/** Page frame: left navigation, top bar, and the routed page. */
export function AppShell() {
  return (
    <div className="app-shell">
      <SideNav />
      <div className="app-main">
        <TopBar />
        <main className="page">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
