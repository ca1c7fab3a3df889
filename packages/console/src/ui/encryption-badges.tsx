/**
 * A video's encryption as badges — Private, Standard, None — one per kind its published
 * renditions use (`Video.EncryptTypes`); a dash before the first transcode has published any.
 */
import { videoEncryptions } from '../util/format.js';

const TITLES: Readonly<Record<string, string>> = {
  AliyunVoDEncryption: 'Private encryption (AES-256-GCM): plays only with the securevod player SDK',
  HLSEncryption: 'Standard HLS encryption (AES-128): any HLS player plays a signed URL',
  Unencrypted: 'Not encrypted',
};

/** Outside a column headed "Encryption" (e.g. next to a title) the short labels need their noun. */
const LONG_LABELS: Readonly<Record<string, string>> = {
  AliyunVoDEncryption: 'Private encryption',
  HLSEncryption: 'Standard encryption',
  Unencrypted: 'Not encrypted',
};

export function EncryptionBadges(props: {
  readonly encryptTypes: string | undefined;
  readonly long?: boolean;
}) {
  const kinds = videoEncryptions(props.encryptTypes);
  if (kinds.length === 0) return <span className="muted">—</span>;
  return (
    <span className="badge-row" data-encryption={kinds.map((k) => k.type).join(',')}>
      {kinds.map((kind) => (
        <span key={kind.type} className={`badge badge-enc-${kind.tone}`} title={TITLES[kind.type]}>
          {props.long ? LONG_LABELS[kind.type] : kind.label}
        </span>
      ))}
    </span>
  );
}
