/** An AccessKey's status as a badge, and the "This session" mark on the key the console uses. */
export function KeyStatusBadge(props: { readonly status: string }) {
  const active = props.status === 'Active';
  return (
    <span className={`badge ${active ? 'badge-ok' : 'badge-bad'}`}>{active ? 'Enabled' : 'Disabled'}</span>
  );
}

export function ThisSessionBadge(props: { readonly accessKeyId: string; readonly signedInAs: string }) {
  return props.accessKeyId === props.signedInAs ? (
    <span className="badge badge-busy">This session</span>
  ) : null;
}
