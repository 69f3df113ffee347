import { formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { monitoringApi } from '../monitoring-api';

/**
 * A model version's reference profile in one paragraph: which profile drift is measured against,
 * or why there is none (the outcome of computing it from the training dataset at registration).
 */
export function ProfileStatusNote({ name, version }: { name: string; version: string }) {
  const status = useAsync((signal) => monitoringApi.profileStatus(name, version, signal), [name, version]);
  const s = status.data;
  if (status.error) return <p className="muted" data-testid="profile-status">Reference profile status unavailable.</p>;
  if (!s) return <p className="muted" data-testid="profile-status">Loading reference profile…</p>;
  const r = s.registration;
  const dataset = r?.dataset ? <> from dataset <span className="mono">{r.dataset.name}@{r.dataset.digest}</span></> : null;
  return (
    <div data-testid="profile-status">
      {s.profile ? (
        <p>
          Reference profile: <strong>{s.profile.source === 'training' ? 'computed from the training dataset' : 'uploaded'}</strong>
          {s.profile.source === 'training' ? dataset : null}, {s.profile.rows} rows, {s.profile.features.length} features
          {s.profile.prediction ? `, predictions (${s.profile.prediction})` : ', no predictions'} · {formatTime(s.profile.createdTime)}
        </p>
      ) : (
        <p>No reference profile: drift is not computed for this version.</p>
      )}
      <p className="muted" data-testid="profile-registration">
        At registration:{' '}
        {!r ? 'not attempted (registered before profiles were computed at registration)'
          : r.status === 'computed' ? <>computed{dataset}</>
          : r.status === 'pending' ? 'computing…'
          : <>{r.status} — {r.reason}{dataset}</>}
        . Upload one with <code>ascent monitor profile upload {name} {version} --file ref.csv</code>.
      </p>
    </div>
  );
}
