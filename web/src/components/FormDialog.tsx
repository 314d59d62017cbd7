import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api';

/** The busy flag and error message of a dialog's submit: `run` clears the error, awaits the action and shows what it threw. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

interface Props {
  /** The `useId()` the fields' ids start with; the title is `${id}-title`. */
  id: string;
  title: string;
  testId: string;
  errorTestId: string;
  busy: boolean;
  error?: string;
  submitLabel: string;
  onSubmit(): void;
  onClose(): void;
  children: ReactNode;
}

/** A modal form: title, fields, the error, Cancel and the submit button; Escape closes it unless busy. */
export function FormDialog({ id, title, testId, errorTestId, busy, error, submitLabel, onSubmit, onClose, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
      data-testid={testId}
    >
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
        {error ? (
          <p className="error-box" role="alert" data-testid={errorTestId}>
            {error}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
