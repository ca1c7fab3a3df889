/**
 * The source-file description GetMezzanineInfo returns with `AdditionType=video,audio`
 * (reference §2.14): one entry per stream with the documented field names, every value a string
 * as in the SDK model. Built by the transcode job from ffprobe's output and stored as JSON on the
 * video; `video-wire.ts` reads it back.
 */
import type { ProbeResult } from '@securevod/ffmpeg';

export interface MezzanineSummary {
  formatName?: string;
  video?: Record<string, string>;
  audio?: Record<string, string>;
}

type Raw = Record<string, unknown>;

/** Only the fields that ffprobe reported; absent ones are left out rather than invented. */
function fields(entries: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(entries)) {
    if (value === undefined || value === null || value === '') continue;
    out[name] = String(value);
  }
  return out;
}

function rawStream(p: ProbeResult, index: number | undefined): Raw {
  if (index === undefined) return {};
  return p.raw.streams.find((s) => s.index === index) ?? {};
}

function language(s: Raw): unknown {
  const tags = s.tags;
  return typeof tags === 'object' && tags !== null ? (tags as Raw).language : undefined;
}

/** Evaluates an ffprobe rate such as "30000/1001"; undefined for "0/0". */
function rate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const [num, den] = value.split('/').map(Number);
  if (!num || !den) return undefined;
  return String(Math.round((num / den) * 1000) / 1000);
}

export function mezzanineSummary(p: ProbeResult): MezzanineSummary {
  const v = rawStream(p, p.video.index);
  const summary: MezzanineSummary = {
    formatName: p.formatName,
    video: fields({
      Index: p.video.index,
      CodecName: p.video.codec,
      CodecLongName: v.codec_long_name,
      CodecTag: v.codec_tag,
      CodecTagString: v.codec_tag_string,
      CodecTimeBase: v.codec_time_base,
      Profile: v.profile,
      Level: v.level,
      Width: p.video.width,
      Height: p.video.height,
      Fps: rate(v.r_frame_rate) ?? p.video.fps,
      AvgFPS: rate(v.avg_frame_rate),
      Bitrate: p.video.bitRate !== undefined ? Math.round(p.video.bitRate / 10) / 100 : undefined,
      Duration: v.duration ?? p.durationSeconds,
      NumFrames: p.video.frames ?? v.nb_frames,
      PixFmt: p.video.pixFmt,
      Sar: v.sample_aspect_ratio,
      Dar: v.display_aspect_ratio,
      Rotate: p.video.rotation,
      HasBFrames: v.has_b_frames,
      Lang: language(v),
      StartTime: v.start_time,
      Timebase: v.time_base,
    }),
  };
  if (p.audio) {
    const a = rawStream(p, p.audio.index);
    summary.audio = fields({
      Index: p.audio.index,
      CodecName: p.audio.codec,
      CodecLongName: a.codec_long_name,
      CodecTag: a.codec_tag,
      CodecTagString: a.codec_tag_string,
      CodecTimeBase: a.codec_time_base,
      SampleFmt: a.sample_fmt,
      SampleRate: p.audio.sampleRate,
      Channels: p.audio.channels,
      ChannelLayout: a.channel_layout,
      Bitrate: p.audio.bitRate !== undefined ? Math.round(p.audio.bitRate / 10) / 100 : undefined,
      Duration: a.duration,
      NumFrames: a.nb_read_packets ?? a.nb_frames,
      Lang: language(a),
      StartTime: a.start_time,
      Timebase: a.time_base,
    });
  }
  return summary;
}
