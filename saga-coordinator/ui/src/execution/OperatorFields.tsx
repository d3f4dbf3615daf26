import { useState } from 'preact/hooks';
import { operatorName, rememberOperator } from '../operator.ts';

/**
 * Who acts and why, in an action's dialog: the name is asked once (kept in this browser), the reason each time.
 * Both are recorded with the action in the execution's history.
 */
export const OperatorFields = ({
  reason,
  onReason,
  withReason = true,
}: {
  reason: string;
  onReason: (reason: string) => void;
  withReason?: boolean;
}) => {
  const [known, setKnown] = useState(operatorName());
  const [editing, setEditing] = useState(known === '');
  return (
    <>
      {editing ? (
        <label>
          Your name (recorded with the action; asked once, kept in this browser)
          <input
            name="operator"
            autoComplete="name"
            placeholder="without it, only your address is recorded"
            value={known}
            onInput={(e) => {
              const name = (e.target as HTMLInputElement).value;
              setKnown(name);
              rememberOperator(name);
            }}
          />
        </label>
      ) : (
        <p class="muted operator-line">
          Recorded as <strong>{known}</strong>{' '}
          <button type="button" class="link" onClick={() => setEditing(true)}>
            not you?
          </button>
        </p>
      )}
      {withReason && (
        <label>
          Reason (optional, kept in the execution's history)
          <input name="why" value={reason} onInput={(e) => onReason((e.target as HTMLInputElement).value)} />
        </label>
      )}
    </>
  );
};
