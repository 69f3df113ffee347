import { NavLink, useLocation } from 'react-router-dom';

interface Section {
  label: string;
  to?: string;
  icon: string;
  /** Paths that also belong to this section (a run page is part of Experiments). */
  matches?: RegExp;
}

const SECTIONS: Section[] = [
  { label: 'Experiments', to: '/', icon: 'M3 3h4v4H3zM9 3h4v4H9zM3 9h4v4H3zM9 9h4v4H9z', matches: /^\/($|experiments|runs|compare)/ },
  { label: 'Models', to: '/models', matches: /^\/models(\/|$)/, icon: 'M8 1l6 3.5v7L8 15l-6-3.5v-7zM8 8l6-3.5M8 8v7M8 8L2 4.5' },
  { label: 'Pipelines', to: '/pipelines', matches: /^\/pipelines(\/|$)/, icon: 'M2 4h4v3H2zM10 9h4v3h-4zM6 5.5h2v5h2' },
  { label: 'Deployments', to: '/deployments', matches: /^\/deployments(\/|$)/, icon: 'M8 1c3 2 4 5 3 9H5C4 6 5 3 8 1zM5 10l-2 3h3M11 10l2 3h-3' },
  { label: 'Monitoring', to: '/monitoring', matches: /^\/monitoring(\/|$)/, icon: 'M1 12h3l2-7 3 9 2-5h4' },
];

function Icon({ d }: { d: string }) {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}

/** The platform's sections; the ones not built yet are shown disabled rather than faked. */
export function SideNav() {
  const location = useLocation();
  return (
    <nav className="side-nav" aria-label="Sections">
      <div className="side-nav-inner">
        <div className="brand">
          <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true">
            <path d="M1 14 L6 5 L9 10 L11 7 L15 14 Z" fill="var(--accent)" />
          </svg>
          <span>Ascent</span>
        </div>
        <ul>
          {SECTIONS.map((s) =>
            s.to ? (
              <li key={s.label}>
                <NavLink to={s.to} className={() => (s.matches?.test(location.pathname) ? 'nav-item active' : 'nav-item')}>
                  <Icon d={s.icon} />
                  {s.label}
                </NavLink>
              </li>
            ) : (
              <li key={s.label}>
                <span className="nav-item disabled" aria-disabled="true" title={`${s.label}: coming soon`}>
                  <Icon d={s.icon} />
                  {s.label}
                  <span className="soon">soon</span>
                </span>
              </li>
            ),
          )}
        </ul>
      </div>
    </nav>
  );
}
