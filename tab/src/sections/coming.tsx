import { Notice } from '../feedback.tsx';

/** Said plainly: the option is kept now, the engine acts on it in a later release. */
export function Coming({ what }: { what: string }) {
  return (
    <Notice intent="info">
      {what} sync is coming in a later release. Your choice here is saved now and used as soon as it arrives;
      until then only email is synced.
    </Notice>
  );
}
