import { useEffect, useState } from 'react';
import { useActingUser } from '../lib/ActingUserContext';

const HELP =
  'Ascent has no sign-in yet. This name is sent as the x-ascent-user header and recorded as the actor in the registry ' +
  'audit history and on approvals; the server trusts it as given, so it identifies, it does not authenticate. Empty means anonymous.';

/** The top-bar field naming the user the UI acts as (applied on Enter or when the field loses focus). */
export function ActingUserField() {
  const { user, setUser } = useActingUser();
  const [text, setText] = useState(user);
  useEffect(() => setText(user), [user]);
  const apply = () => {
    if (text.trim() !== user) setUser(text);
  };
  return (
    <label className="acting-user" title={HELP}>
      <span className="acting-user-label">Acting as</span>
      <input
        type="text"
        value={text}
        placeholder="anonymous"
        aria-label="Acting as user"
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
          if (e.key === 'Escape') setText(user);
        }}
      />
      <span className="acting-user-note" aria-hidden="true">
        no auth
      </span>
    </label>
  );
}
