/**
 * Transcode templates (reference §2.10): parsing and validation of `TranscodeTemplateList`, the
 * JSON array that AddTranscodeTemplateGroup / UpdateTranscodeTemplateGroup take. Every problem is
 * reported with the path of the field (`TranscodeTemplateList[1].Video.Bitrate`) and what is
 * allowed, inside the API's InvalidParameter error.
 *
 * Supported subset: HLS (`Container.Format` m3u8) with H.264 video and AAC audio, which is what
 * the packager encrypts. Our extensions are marked below and in docs/api.md.
 */
import { randomUUID } from 'node:crypto';
import { apiErrors } from '../errors/api-error.js';

export const TEMPLATE_DEFINITIONS = ['LD', 'SD', 'HD', 'FHD', 'OD', '2K', '4K'] as const;
export type TemplateDefinition = (typeof TEMPLATE_DEFINITIONS)[number];

/**
 * `AliyunVoDEncryption` and `Private` are the vendor's names for its proprietary encryption: here
 * private AES-256-GCM segments (our SDK only) — unless SubmitTranscodeJobs passes an
 * `EncryptConfig`, which selects standard AES-128 with the customer's own key, as in the cloud.
 * `HLSEncryption` is our extension: standard AES-128 with our KMS and key service.
 */
export const ENCRYPT_TYPES = ['AliyunVoDEncryption', 'Private', 'HLSEncryption'] as const;
export type EncryptType = (typeof ENCRYPT_TYPES)[number];

export interface TranscodeTemplate {
  transcodeTemplateId: string;
  templateName: string;
  type: 'Normal';
  definition: TemplateDefinition;
  video: {
    codec: 'H.264';
    bitrateKbps?: number;
    width?: number;
    height?: number;
    fps?: number;
    remove: false;
  };
  audio: { codec: 'AAC'; bitrateKbps?: number; sampleRate?: number; channels?: number; remove: boolean };
  container: { format: 'm3u8' };
  segmentSeconds: number;
  encrypt?: { encryptType: EncryptType; keyRotationSegments: number };
  /**
   * Our extension (`"TraceWatermark": {"Enabled": "true", "SegmentSeconds": "1"}`): leak tracing
   * (docs/tracing.md). The rendition is stored twice, variants A and B, cut into
   * `segmentSeconds`-long segments (one code-word bit each) instead of `MuxConfig.Segment`.
   */
  traceWatermark?: { segmentSeconds: number };
}

/** Segment length a traced rendition gets unless `TraceWatermark.SegmentSeconds` says otherwise. */
export const DEFAULT_TRACE_SEGMENT_SECONDS = 1;

/** The segment length the template's rendition is cut into (traced renditions use their own). */
export function effectiveSegmentSeconds(t: TranscodeTemplate): number {
  return t.traceWatermark ? t.traceWatermark.segmentSeconds : t.segmentSeconds;
}

type Json = Record<string, unknown>;

class FieldProblem extends Error {}

const DEFAULT_SEGMENT_SECONDS = 4;
const SAMPLE_RATES = [22050, 32000, 44100, 48000, 96000];

export function parseTranscodeTemplateList(
  raw: string,
  paramName = 'TranscodeTemplateList',
): TranscodeTemplate[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw apiErrors.invalidParameter(paramName, 'It must be a JSON array of transcode templates.');
  }
  if (!Array.isArray(parsed)) throw apiErrors.invalidParameter(paramName, 'It must be a JSON array.');
  if (parsed.length > 20) throw apiErrors.invalidParameter(paramName, 'A group holds at most 20 templates.');
  try {
    return parsed.map((item, index) => parseTemplate(item, `${paramName}[${index}]`));
  } catch (error) {
    if (error instanceof FieldProblem) throw apiErrors.invalidParameter(paramName, error.message);
    throw error;
  }
}

function parseTemplate(item: unknown, path: string): TranscodeTemplate {
  const t = object(item, path);
  const type = optionalString(t, 'Type', path) ?? 'Normal';
  if (type !== 'Normal')
    throw new FieldProblem(`${path}.Type: only "Normal" templates are supported; got "${type}".`);
  const definition = optionalString(t, 'Definition', path);
  if (definition === undefined)
    throw new FieldProblem(`${path}.Definition is required (${TEMPLATE_DEFINITIONS.join(', ')}).`);
  if (!(TEMPLATE_DEFINITIONS as readonly string[]).includes(definition)) {
    throw new FieldProblem(
      `${path}.Definition must be one of ${TEMPLATE_DEFINITIONS.join(', ')}; got "${definition}".`,
    );
  }

  const video = t.Video === undefined ? {} : object(jsonField(t.Video, `${path}.Video`), `${path}.Video`);
  const videoCodec = optionalString(video, 'Codec', `${path}.Video`) ?? 'H.264';
  if (videoCodec !== 'H.264')
    throw new FieldProblem(`${path}.Video.Codec: only H.264 is supported; got "${videoCodec}".`);
  if (optionalString(video, 'Remove', `${path}.Video`) === 'true') {
    throw new FieldProblem(`${path}.Video.Remove: audio-only templates are not supported.`);
  }
  const audio = t.Audio === undefined ? {} : object(jsonField(t.Audio, `${path}.Audio`), `${path}.Audio`);
  const audioCodec = optionalString(audio, 'Codec', `${path}.Audio`) ?? 'AAC';
  if (audioCodec !== 'AAC')
    throw new FieldProblem(`${path}.Audio.Codec: only AAC is supported; got "${audioCodec}".`);

  const container =
    t.Container === undefined ? {} : object(jsonField(t.Container, `${path}.Container`), `${path}.Container`);
  const format = optionalString(container, 'Format', `${path}.Container`) ?? 'm3u8';
  if (format !== 'm3u8') {
    throw new FieldProblem(
      `${path}.Container.Format: only m3u8 (HLS, which can be encrypted) is supported; got "${format}".`,
    );
  }
  const mux =
    t.MuxConfig === undefined ? {} : object(jsonField(t.MuxConfig, `${path}.MuxConfig`), `${path}.MuxConfig`);
  const segment = mux.Segment === undefined ? {} : object(mux.Segment, `${path}.MuxConfig.Segment`);
  const segmentSeconds =
    number(segment, 'Duration', `${path}.MuxConfig.Segment`, { min: 1, max: 60 }) ?? DEFAULT_SEGMENT_SECONDS;

  let encrypt: TranscodeTemplate['encrypt'];
  if (t.EncryptSetting !== undefined) {
    const setting = object(jsonField(t.EncryptSetting, `${path}.EncryptSetting`), `${path}.EncryptSetting`);
    const encryptType = optionalString(setting, 'EncryptType', `${path}.EncryptSetting`);
    if (encryptType !== undefined) {
      if (!(ENCRYPT_TYPES as readonly string[]).includes(encryptType)) {
        throw new FieldProblem(
          `${path}.EncryptSetting.EncryptType must be one of ${ENCRYPT_TYPES.join(', ')}; got "${encryptType}".`,
        );
      }
      encrypt = {
        encryptType: encryptType as EncryptType,
        // Our extension: a new derived key every N segments (0 = one key per rendition).
        keyRotationSegments:
          number(setting, 'KeyRotationSegments', `${path}.EncryptSetting`, {
            min: 0,
            max: 100000,
            integer: true,
          }) ?? 0,
      };
    }
  }

  let traceWatermark: TranscodeTemplate['traceWatermark'];
  if (t.TraceWatermark !== undefined) {
    const tracePath = `${path}.TraceWatermark`;
    const setting = object(jsonField(t.TraceWatermark, tracePath), tracePath);
    const enabled = optionalString(setting, 'Enabled', tracePath) ?? 'false';
    if (enabled !== 'true' && enabled !== 'false') {
      throw new FieldProblem(`${tracePath}.Enabled must be "true" or "false"; got "${enabled}".`);
    }
    const seconds =
      number(setting, 'SegmentSeconds', tracePath, { min: 1, max: 4, integer: true }) ??
      DEFAULT_TRACE_SEGMENT_SECONDS;
    if (enabled === 'true') traceWatermark = { segmentSeconds: seconds };
  }

  const width = number(video, 'Width', `${path}.Video`, { min: 128, max: 4096, integer: true, even: true });
  const height = number(video, 'Height', `${path}.Video`, { min: 128, max: 4096, integer: true, even: true });
  return {
    transcodeTemplateId: optionalString(t, 'TranscodeTemplateId', path) ?? randomUUID().replaceAll('-', ''),
    templateName: optionalString(t, 'TemplateName', path) ?? definition,
    type: 'Normal',
    definition: definition as TemplateDefinition,
    video: {
      codec: 'H.264',
      bitrateKbps: number(video, 'Bitrate', `${path}.Video`, { min: 10, max: 50000 }),
      width,
      height,
      fps: number(video, 'Fps', `${path}.Video`, { min: 1, max: 60 }),
      remove: false,
    },
    audio: {
      codec: 'AAC',
      bitrateKbps: number(audio, 'Bitrate', `${path}.Audio`, { min: 8, max: 1000 }),
      sampleRate: oneOfNumbers(audio, 'Samplerate', `${path}.Audio`, SAMPLE_RATES),
      channels: number(audio, 'Channels', `${path}.Audio`, { min: 1, max: 8, integer: true }),
      remove: optionalString(audio, 'Remove', `${path}.Audio`) === 'true',
    },
    container: { format: 'm3u8' },
    segmentSeconds,
    encrypt,
    traceWatermark,
  };
}

/** The wire form of GetTranscodeTemplateGroup: sub-configs as JSON strings (reference §2.11). */
export function templateToWire(t: TranscodeTemplate): Record<string, unknown> {
  const strip = (o: Record<string, unknown>) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(o)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
    );
  return {
    TranscodeTemplateId: t.transcodeTemplateId,
    TemplateName: t.templateName,
    Type: t.type,
    Definition: t.definition,
    Video: strip({
      Codec: t.video.codec,
      Bitrate: t.video.bitrateKbps,
      Width: t.video.width,
      Height: t.video.height,
      Fps: t.video.fps,
    }),
    Audio: strip({
      Codec: t.audio.codec,
      Bitrate: t.audio.bitrateKbps,
      Samplerate: t.audio.sampleRate,
      Channels: t.audio.channels,
      Remove: t.audio.remove ? 'true' : undefined,
    }),
    Container: JSON.stringify({ Format: t.container.format }),
    MuxConfig: JSON.stringify({ Segment: { Duration: String(t.segmentSeconds) } }),
    EncryptSetting: t.encrypt
      ? JSON.stringify({
          EncryptType: t.encrypt.encryptType,
          KeyRotationSegments: String(t.encrypt.keyRotationSegments),
        })
      : undefined,
    // Our extension; absent when tracing is off, as for a template that never had it.
    TraceWatermark: t.traceWatermark
      ? JSON.stringify({ Enabled: 'true', SegmentSeconds: String(t.traceWatermark.segmentSeconds) })
      : undefined,
  };
}

function jsonField(value: unknown, path: string): unknown {
  // Clients send sub-configs as objects or (as GetTranscodeTemplateGroup returns them) JSON strings.
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new FieldProblem(`${path} must be a JSON object.`);
  }
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FieldProblem(`${path} must be a JSON object.`);
  }
  return value as Json;
}

function optionalString(o: Json, key: string, path: string): string | undefined {
  const value = o[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new FieldProblem(`${path}.${key} must be a string.`);
  }
  return String(value);
}

function number(
  o: Json,
  key: string,
  path: string,
  rule: { min: number; max: number; integer?: boolean; even?: boolean },
): number | undefined {
  const raw = optionalString(o, key, path);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const what = rule.integer ? 'an integer' : 'a number';
  if (
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    value < rule.min ||
    value > rule.max
  ) {
    throw new FieldProblem(`${path}.${key} must be ${what} from ${rule.min} to ${rule.max}; got "${raw}".`);
  }
  if (rule.even && value % 2 !== 0) throw new FieldProblem(`${path}.${key} must be even; got ${raw}.`);
  return value;
}

function oneOfNumbers(o: Json, key: string, path: string, allowed: number[]): number | undefined {
  const raw = optionalString(o, key, path);
  if (raw === undefined) return undefined;
  if (!allowed.includes(Number(raw))) {
    throw new FieldProblem(`${path}.${key} must be one of ${allowed.join(', ')}; got "${raw}".`);
  }
  return Number(raw);
}
