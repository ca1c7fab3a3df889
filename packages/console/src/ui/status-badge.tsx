/** A video's status as a coloured badge, with transcoding progress and the failure reason. */
import type { WireVideo } from '../api/wire-types.js';
import { STATUS_LABELS, statusTone } from '../util/format.js';

export function StatusBadge(props: {
  readonly video: Pick<WireVideo, 'Status' | 'TranscodeProgress' | 'StatusReason'>;
}) {
  const { Status, TranscodeProgress, StatusReason } = props.video;
  const progress =
    Status === 'Transcoding' && typeof TranscodeProgress === 'number'
      ? ` ${Math.round(TranscodeProgress)}%`
      : '';
  return (
    <span className={`badge badge-${statusTone(Status)}`} title={StatusReason ?? Status} data-status={Status}>
      {(STATUS_LABELS[Status] ?? Status) + progress}
    </span>
  );
}
