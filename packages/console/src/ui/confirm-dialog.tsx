/**
 * A modal confirmation on the native <dialog> (focus moves into it and is kept there; Escape
 * cancels). `confirm()` resolves true when the person chose the action.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';

interface Pending {
  readonly title: string;
  readonly body: ReactNode;
  readonly confirmLabel: string;
  readonly danger: boolean;
  readonly resolve: (confirmed: boolean) => void;
}

export interface ConfirmOptions {
  readonly title: string;
  readonly body: ReactNode;
  readonly confirmLabel: string;
  readonly danger?: boolean;
}

export function useConfirm(): [(options: ConfirmOptions) => Promise<boolean>, ReactNode] {
  const [pending, setPending] = useState<Pending | undefined>();
  const confirm = useCallback(
    (options: ConfirmOptions) =>
      new Promise<boolean>((resolve) => setPending({ ...options, danger: options.danger ?? false, resolve })),
    [],
  );
  const close = (confirmed: boolean) => {
    pending?.resolve(confirmed);
    setPending(undefined);
  };
  const element = pending ? <ConfirmDialog pending={pending} onClose={close} /> : null;
  return [confirm, element];
}

function ConfirmDialog(props: { readonly pending: Pending; readonly onClose: (confirmed: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const { pending, onClose } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const previous = document.activeElement as HTMLElement | null;
    dialog.showModal();
    cancelRef.current?.focus();
    return () => previous?.focus();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose(false);
      }}
    >
      <h2 id="confirm-title">{pending.title}</h2>
      <div className="confirm-body">{pending.body}</div>
      <div className="button-row">
        <button ref={cancelRef} type="button" className="button-secondary" onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" className={pending.danger ? 'button-danger' : ''} onClick={() => onClose(true)}>
          {pending.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
