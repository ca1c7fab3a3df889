/**
 * The template-group form: a draft people edit (strings, as typed), checked live field by field,
 * turned into the `TranscodeTemplateList` JSON that AddTranscodeTemplateGroup /
 * UpdateTranscodeTemplateGroup take, and rebuilt from GetTranscodeTemplateGroup's answer.
 *
 * The limits mirror the server's (`packages/server/src/templates/transcode-template.ts`); the
 * console's tests submit the same bad values to the real API and check that both name the same
 * field. Whatever the server still rejects is shown at the field its message names
 * (`fieldOfApiPath`).
 */

export const DEFINITIONS = ['LD', 'SD', 'HD', 'FHD', 'OD', '2K', '4K'] as const;
export type Definition = (typeof DEFINITIONS)[number];

/** `off`, or an EncryptSetting.EncryptType. */
export const ENCRYPTION_CHOICES = ['off', 'AliyunVoDEncryption', 'Private', 'HLSEncryption'] as const;
export type EncryptionChoice = (typeof ENCRYPTION_CHOICES)[number];

export const ENCRYPTION_LABELS: Readonly<Record<EncryptionChoice, string>> = {
  off: 'Off — clear HLS',
  AliyunVoDEncryption: 'Private (AliyunVoDEncryption) — AES-256-GCM, securevod player only',
  Private: 'Private — same as AliyunVoDEncryption',
  HLSEncryption: 'Standard HLS (HLSEncryption) — AES-128, any HLS player with the key service',
};

/** Leak tracing (our extension `TraceWatermark`, docs/tracing.md): on or off per template. */
export const TRACING_CHOICES = ['off', 'on'] as const;
export type TracingChoice = (typeof TRACING_CHOICES)[number];
export const TRACING_LABELS: Readonly<Record<TracingChoice, string>> = {
  off: 'Off',
  on: 'On — A/B watermark per viewer session (2× encode and storage)',
};

export const MAX_TEMPLATES = 20;
export const MAX_GROUP_NAME_BYTES = 128;

export interface TemplateDraft {
  /** TranscodeTemplateId of a saved template (kept on update), '' for a new one. */
  readonly id: string;
  readonly name: string;
  readonly definition: Definition;
  /** kbps */
  readonly videoBitrate: string;
  readonly width: string;
  readonly height: string;
  readonly fps: string;
  /** kbps */
  readonly audioBitrate: string;
  readonly segmentSeconds: string;
  readonly encryption: EncryptionChoice;
  /** A new key every N segments; 0 = one key per rendition. */
  readonly keyRotationSegments: string;
  /** Leak tracing (TraceWatermark.Enabled). */
  readonly tracing: TracingChoice;
  /** TraceWatermark.SegmentSeconds: segment length of a traced rendition, 1–4 s. */
  readonly traceSegmentSeconds: string;
}

export interface GroupDraft {
  readonly name: string;
  readonly templates: readonly TemplateDraft[];
}

export type TemplateField = Exclude<keyof TemplateDraft, 'id'>;

/** Field keys: `name`, `templates`, or `templates.<index>.<TemplateField>`. */
export type FieldErrors = Readonly<Record<string, string>>;

export function templateFieldKey(index: number, field: TemplateField): string {
  return `templates.${index}.${field}`;
}

const DEFAULT_HEIGHTS: Readonly<Record<Definition, [string, string]>> = {
  LD: ['360', '500'],
  SD: ['540', '900'],
  HD: ['720', '1500'],
  FHD: ['1080', '3000'],
  OD: ['', ''],
  '2K': ['1440', '6000'],
  '4K': ['2160', '12000'],
};

export function newTemplateDraft(
  definition: Definition = 'SD',
  encryption: EncryptionChoice = 'off',
): TemplateDraft {
  const [height, bitrate] = DEFAULT_HEIGHTS[definition];
  return {
    id: '',
    name: '',
    definition,
    videoBitrate: bitrate,
    width: '',
    height,
    fps: '',
    audioBitrate: '64',
    segmentSeconds: '4',
    encryption,
    keyRotationSegments: '0',
    tracing: 'off',
    traceSegmentSeconds: '1',
  };
}

export function newGroupDraft(): GroupDraft {
  return { name: '', templates: [newTemplateDraft('SD', 'AliyunVoDEncryption')] };
}

interface NumberRule {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly even?: boolean;
  readonly unit?: string;
}

/** Same limits as the API (see the file comment). */
export const TEMPLATE_RULES: Readonly<
  Record<Exclude<TemplateField, 'name' | 'definition' | 'encryption' | 'tracing'>, NumberRule>
> = {
  videoBitrate: { label: 'Video bitrate', min: 10, max: 50000, unit: 'kbps' },
  width: { label: 'Width', min: 128, max: 4096, integer: true, even: true, unit: 'px' },
  height: { label: 'Height', min: 128, max: 4096, integer: true, even: true, unit: 'px' },
  fps: { label: 'Frame rate', min: 1, max: 60, unit: 'fps' },
  audioBitrate: { label: 'Audio bitrate', min: 8, max: 1000, unit: 'kbps' },
  segmentSeconds: { label: 'Segment length', min: 1, max: 60, unit: 's' },
  keyRotationSegments: { label: 'Key rotation', min: 0, max: 100000, integer: true, unit: 'segments' },
  traceSegmentSeconds: { label: 'Tracing segment length', min: 1, max: 4, integer: true, unit: 's' },
};

/** Null when `raw` is empty (optional) or fits the rule, else one sentence. */
export function checkNumber(raw: string, rule: NumberRule): string | null {
  const text = raw.trim();
  if (text === '') return null;
  const value = Number(text);
  const what = rule.integer ? 'a whole number' : 'a number';
  if (
    !/^-?\d+(\.\d+)?$/.test(text) ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value))
  ) {
    return `${rule.label} must be ${what}.`;
  }
  if (value < rule.min || value > rule.max) {
    return `${rule.label} must be from ${rule.min} to ${rule.max}${rule.unit ? ` ${rule.unit}` : ''}.`;
  }
  if (rule.even && value % 2 !== 0) return `${rule.label} must be an even number (H.264 needs even sizes).`;
  return null;
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Every problem in the draft, keyed by field; empty when it can be saved. */
export function validateGroupDraft(draft: GroupDraft): FieldErrors {
  const errors: Record<string, string> = {};
  const name = draft.name.trim();
  if (name === '') errors.name = 'Give the group a name.';
  else if (byteLength(name) > MAX_GROUP_NAME_BYTES) {
    errors.name = `The name must be at most ${MAX_GROUP_NAME_BYTES} bytes (it has ${byteLength(name)}).`;
  }
  if (draft.templates.length > MAX_TEMPLATES) {
    errors.templates = `A group holds at most ${MAX_TEMPLATES} templates.`;
  }
  draft.templates.forEach((t, index) => {
    for (const [field, message] of Object.entries(validateTemplateDraft(t))) {
      errors[templateFieldKey(index, field as TemplateField)] = message;
    }
  });
  return errors;
}

export function validateTemplateDraft(t: TemplateDraft): Partial<Record<TemplateField, string>> {
  const errors: Partial<Record<TemplateField, string>> = {};
  if (!(DEFINITIONS as readonly string[]).includes(t.definition)) {
    errors.definition = `Choose a definition (${DEFINITIONS.join(', ')}).`;
  }
  if (!(ENCRYPTION_CHOICES as readonly string[]).includes(t.encryption)) {
    errors.encryption = 'Choose whether and how to encrypt.';
  }
  if (!(TRACING_CHOICES as readonly string[]).includes(t.tracing)) {
    errors.tracing = 'Choose whether to trace leaks.';
  }
  for (const [field, rule] of Object.entries(TEMPLATE_RULES)) {
    const problem = checkNumber(t[field as keyof typeof TEMPLATE_RULES], rule);
    if (problem) errors[field as TemplateField] = problem;
  }
  return errors;
}

/** The `TranscodeTemplateList` entries for a valid draft (empty optional fields are left out). */
export function toTemplateList(draft: GroupDraft): Record<string, unknown>[] {
  return draft.templates.map((t) => {
    const pick = (entries: [string, string][]) =>
      Object.fromEntries(entries.map(([k, v]) => [k, v.trim()]).filter(([, v]) => v !== ''));
    const template: Record<string, unknown> = {
      ...(t.id ? { TranscodeTemplateId: t.id } : {}),
      TemplateName: t.name.trim() || `${t.definition}${t.encryption === 'off' ? '' : ' encrypted'}`,
      Type: 'Normal',
      Definition: t.definition,
      Video: pick([
        ['Codec', 'H.264'],
        ['Bitrate', t.videoBitrate],
        ['Width', t.width],
        ['Height', t.height],
        ['Fps', t.fps],
      ]),
      Audio: pick([
        ['Codec', 'AAC'],
        ['Bitrate', t.audioBitrate],
      ]),
      Container: { Format: 'm3u8' },
      MuxConfig: { Segment: pick([['Duration', t.segmentSeconds]]) },
    };
    if (t.encryption !== 'off') {
      template.EncryptSetting = {
        EncryptType: t.encryption,
        KeyRotationSegments: t.keyRotationSegments.trim() || '0',
      };
    }
    if (t.tracing === 'on') {
      template.TraceWatermark = { Enabled: 'true', SegmentSeconds: t.traceSegmentSeconds.trim() || '1' };
    }
    return template;
  });
}

/** One template of GetTranscodeTemplateGroup (sub-configs are JSON strings there). */
export interface WireTemplate {
  readonly TranscodeTemplateId?: string;
  readonly TemplateName?: string;
  readonly Definition?: string;
  readonly Video?: string | Record<string, unknown>;
  readonly Audio?: string | Record<string, unknown>;
  readonly MuxConfig?: string | Record<string, unknown>;
  readonly EncryptSetting?: string | Record<string, unknown>;
  /** Our extension: `{"Enabled":"true","SegmentSeconds":"1"}` when leak tracing is on. */
  readonly TraceWatermark?: string | Record<string, unknown>;
}

export function fromWireTemplates(name: string, templates: readonly WireTemplate[]): GroupDraft {
  return {
    name,
    templates: templates.map((w) => {
      const video = jsonObject(w.Video);
      const audio = jsonObject(w.Audio);
      const segment = jsonObject(jsonObject(w.MuxConfig).Segment);
      const encrypt = jsonObject(w.EncryptSetting);
      const trace = jsonObject(w.TraceWatermark);
      const type = str(encrypt.EncryptType);
      const definition = (DEFINITIONS as readonly string[]).includes(w.Definition ?? '')
        ? (w.Definition as Definition)
        : 'SD';
      return {
        id: w.TranscodeTemplateId ?? '',
        name: w.TemplateName ?? '',
        definition,
        videoBitrate: str(video.Bitrate),
        width: str(video.Width),
        height: str(video.Height),
        fps: str(video.Fps),
        audioBitrate: str(audio.Bitrate),
        segmentSeconds: str(segment.Duration) || '4',
        encryption: (ENCRYPTION_CHOICES as readonly string[]).includes(type)
          ? (type as EncryptionChoice)
          : 'off',
        keyRotationSegments: str(encrypt.KeyRotationSegments) || '0',
        tracing: str(trace.Enabled) === 'true' ? 'on' : 'off',
        traceSegmentSeconds: str(trace.SegmentSeconds) || '1',
      };
    }),
  };
}

/** Where the API's template paths (`[1].Video.Bitrate`) live in the form. */
const API_TEMPLATE_FIELDS: Readonly<Record<string, TemplateField>> = {
  Definition: 'definition',
  TemplateName: 'name',
  'Video.Bitrate': 'videoBitrate',
  'Video.Width': 'width',
  'Video.Height': 'height',
  'Video.Fps': 'fps',
  'Audio.Bitrate': 'audioBitrate',
  'MuxConfig.Segment.Duration': 'segmentSeconds',
  'MuxConfig.Segment': 'segmentSeconds',
  EncryptSetting: 'encryption',
  'EncryptSetting.EncryptType': 'encryption',
  'EncryptSetting.KeyRotationSegments': 'keyRotationSegments',
  TraceWatermark: 'tracing',
  'TraceWatermark.Enabled': 'tracing',
  'TraceWatermark.SegmentSeconds': 'traceSegmentSeconds',
};

/**
 * The form field for an API problem: `parameter` as named by InvalidParameter, `path` the part
 * of the reason after it (`[0].Video.Bitrate`). Undefined when the form has no such field.
 */
export function fieldOfApiProblem(parameter: string, path: string | undefined): string | undefined {
  if (parameter === 'Name') return 'name';
  if (parameter !== 'TranscodeTemplateList') return undefined;
  const match = /^\[(\d+)\]\.(.+)$/.exec(path ?? '');
  if (!match) return 'templates';
  const field = API_TEMPLATE_FIELDS[match[2]!];
  return field ? templateFieldKey(Number(match[1]), field) : 'templates';
}

function jsonObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return jsonObject(JSON.parse(value));
    } catch {
      return {};
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
