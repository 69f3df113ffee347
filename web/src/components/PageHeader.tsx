import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

/** One step of the breadcrumb trail above a page title. */
export interface Crumb {
  label: string;
  to?: string;
}

/** Breadcrumbs, title, optional subtitle and actions at the top of a page. */
export function PageHeader({ crumbs = [], title, subtitle, actions }: { crumbs?: Crumb[]; title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      {crumbs.length > 0 ? (
        <nav className="crumbs" aria-label="Breadcrumb">
          {crumbs.map((c, i) => (
            <span key={i}>
              {c.to ? <Link to={c.to}>{c.label}</Link> : c.label}
              <span className="crumb-sep">/</span>
            </span>
          ))}
        </nav>
      ) : null}
      <div className="page-title-row">
        <h1 className="page-title">{title}</h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {subtitle ? <div className="page-subtitle">{subtitle}</div> : null}
    </header>
  );
}
