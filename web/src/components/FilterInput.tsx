import { useEffect, useState } from 'react';

/**
 * A search box that applies on Enter (not on every keystroke, since a half-typed MLflow filter
 * is usually invalid); Escape restores the applied text.
 */
export function FilterInput({
  value,
  onApply,
  placeholder,
  ariaLabel,
  width = 520,
  invalid = false,
}: {
  value: string;
  onApply: (text: string) => void;
  placeholder?: string;
  ariaLabel: string;
  width?: number;
  invalid?: boolean;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const dirty = text.trim() !== value.trim();
  return (
    <div className={`filter-input${invalid ? ' invalid' : ''}`} style={{ width }}>
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" className="filter-icon">
        <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M10.5 10.5L14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      <input
        type="text"
        value={text}
        placeholder={placeholder}
        aria-label={ariaLabel}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onApply(text.trim());
          if (e.key === 'Escape') setText(value);
        }}
      />
      {dirty ? <span className="hint">⏎ to apply</span> : null}
      {value && !dirty ? (
        <button type="button" className="clear" aria-label="Clear filter" onClick={() => onApply('')}>
          ×
        </button>
      ) : null}
    </div>
  );
}
