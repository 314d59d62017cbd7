import { useEffect, useRef, useState } from 'react';

/** Puts text on the clipboard: the Clipboard API where the page may use it, else a selected textarea and `copy`. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      /* not allowed here: fall back */
    }
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  if (!ok) throw new Error('The browser did not allow copying.');
}

/** A command in a code block with a Copy button. */
export function CopyCode({ text }: { text: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <div className="code-block">
      <pre>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        className="small copy"
        aria-label={`Copy the command ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`}
        onClick={() => {
          copyText(text).then(
            () => setState('copied'),
            () => setState('failed'),
          );
          clearTimeout(timer.current);
          timer.current = setTimeout(() => setState('idle'), 2500);
        }}
      >
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : 'Copy'}
      </button>
      <span className="sr-only" role="status">
        {state === 'copied' ? 'Copied to the clipboard.' : state === 'failed' ? 'Could not copy: select the command and copy it.' : ''}
      </span>
    </div>
  );
}
