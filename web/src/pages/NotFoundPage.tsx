import { Link, useLocation } from 'react-router-dom';
import { PageHeader } from '../components/PageHeader';

/** Shown for paths the UI has no page for. */
export function NotFoundPage() {
  const location = useLocation();
  return (
    <>
      <PageHeader title="Page not found" />
      <p className="muted">
        Nothing lives at <code>{location.pathname}</code>. <Link to="/">Go to experiments</Link>.
      </p>
    </>
  );
}
