/**
 * Creates or edits one template group: its name and templates (definition, bitrates, size,
 * segment length, Video Encryption and its type, key rotation period). Problems show at their
 * field as you type; on save, anything the API still rejects is shown at the field its
 * InvalidParameter message names, and nothing is changed.
 */
import { useState, type FormEvent } from 'react';
import { describeError, fieldProblemOf } from '../api/error-messages.js';
import {
  DEFINITIONS,
  ENCRYPTION_CHOICES,
  ENCRYPTION_LABELS,
  TRACING_CHOICES,
  TRACING_LABELS,
  fieldOfApiProblem,
  MAX_TEMPLATES,
  newTemplateDraft,
  templateFieldKey,
  toTemplateList,
  validateGroupDraft,
  type EncryptionChoice,
  type GroupDraft,
  type TemplateDraft,
  type TemplateField,
} from '../forms/template-form.js';
import { SelectField, TextField } from '../ui/fields.js';
import { Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';

export function TemplateEditor(props: {
  /** The group being edited, or undefined for a new one. */
  readonly groupId: string | undefined;
  readonly initial: GroupDraft;
  readonly onSaved: (groupId: string, name: string) => void;
  readonly onCancel: () => void;
}) {
  const { client } = useSession();
  const [draft, setDraft] = useState<GroupDraft>(props.initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const liveErrors = validateGroupDraft(draft);
  const errorOf = (key: string): string | undefined =>
    apiErrors[key] ?? (submitted || touched.has(key) ? liveErrors[key] : undefined);

  const touch = (key: string) => setTouched((current) => new Set(current).add(key));
  const clearApiError = (key: string) =>
    setApiErrors((current) => {
      if (!(key in current) && !('templates' in current)) return current;
      const next = { ...current };
      delete next[key];
      delete next.templates;
      return next;
    });

  const setName = (name: string) => {
    setDraft((d) => ({ ...d, name }));
    touch('name');
    clearApiError('name');
  };

  const setTemplate = (index: number, field: TemplateField, value: string) => {
    setDraft((d) => ({
      ...d,
      templates: d.templates.map((t, i) => {
        if (i !== index) return t;
        const next = { ...t, [field]: value } as TemplateDraft;
        // A new definition brings its usual height and bitrate when those were untouched defaults.
        if (field === 'definition' && !t.id) {
          const fresh = newTemplateDraft(value as TemplateDraft['definition'], t.encryption);
          const old = newTemplateDraft(t.definition, t.encryption);
          return {
            ...next,
            height: t.height === old.height ? fresh.height : t.height,
            videoBitrate: t.videoBitrate === old.videoBitrate ? fresh.videoBitrate : t.videoBitrate,
          };
        }
        return next;
      }),
    }));
    const key = templateFieldKey(index, field);
    touch(key);
    clearApiError(key);
  };

  const addTemplate = () =>
    setDraft((d) => {
      const used = new Set(d.templates.map((t) => t.definition));
      const definition = DEFINITIONS.find((x) => !used.has(x)) ?? 'SD';
      return {
        ...d,
        templates: [...d.templates, newTemplateDraft(definition, d.templates[0]?.encryption ?? 'off')],
      };
    });

  const removeTemplate = (index: number) => {
    setDraft((d) => ({ ...d, templates: d.templates.filter((_, i) => i !== index) }));
    setApiErrors({});
    setTouched(new Set());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setFormError(undefined);
    const problems = Object.keys(liveErrors);
    if (problems.length > 0) {
      focusField(problems[0]!);
      return;
    }
    setBusy(true);
    try {
      const params = {
        Name: draft.name.trim(),
        TranscodeTemplateList: JSON.stringify(toTemplateList(draft)),
      };
      const answer = props.groupId
        ? await client.request<{ TranscodeTemplateGroupId: string }>('UpdateTranscodeTemplateGroup', {
            ...params,
            TranscodeTemplateGroupId: props.groupId,
          })
        : await client.request<{ TranscodeTemplateGroupId: string }>('AddTranscodeTemplateGroup', params);
      props.onSaved(answer.TranscodeTemplateGroupId, params.Name);
    } catch (error) {
      const problem = fieldProblemOf(error);
      const field = problem ? fieldOfApiProblem(problem.parameter, problem.path) : undefined;
      if (problem && field) {
        setApiErrors({ [field]: problem.reason });
        focusField(field);
        setFormError(`Nothing was saved. ${problem.reason}`);
      } else {
        setFormError(`Nothing was saved. ${describeError(error)}`);
      }
      setBusy(false);
    }
  };

  return (
    <form
      className="card template-editor"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="editor-title"
    >
      <h2 id="editor-title">{props.groupId ? `Edit “${props.initial.name}”` : 'New template group'}</h2>
      {formError ? <Notice tone="error">{formError}</Notice> : null}
      <TextField
        id={fieldId('name')}
        label="Group name"
        value={draft.name}
        onValue={setName}
        error={errorOf('name')}
        maxLength={128}
        required
        autoFocus
      />
      {errorOf('templates') ? (
        <p className="field-error" role="alert">
          {errorOf('templates')}
        </p>
      ) : null}
      <ol className="template-list">
        {draft.templates.map((t, index) => (
          <TemplateFields
            key={index}
            index={index}
            template={t}
            errorOf={errorOf}
            onChange={(field, value) => setTemplate(index, field, value)}
            onRemove={draft.templates.length > 1 ? () => removeTemplate(index) : undefined}
          />
        ))}
      </ol>
      <div className="button-row">
        <button
          type="button"
          className="button-secondary"
          onClick={addTemplate}
          disabled={draft.templates.length >= MAX_TEMPLATES}
        >
          Add template
        </button>
      </div>
      <div className="button-row form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : props.groupId ? 'Save changes' : 'Create group'}
        </button>
        <button type="button" className="button-secondary" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TemplateFields(props: {
  readonly index: number;
  readonly template: TemplateDraft;
  readonly errorOf: (key: string) => string | undefined;
  readonly onChange: (field: TemplateField, value: string) => void;
  readonly onRemove: (() => void) | undefined;
}) {
  const { index, template: t } = props;
  const key = (field: TemplateField) => templateFieldKey(index, field);
  const common = (field: TemplateField) => ({
    id: fieldId(key(field)),
    value: t[field],
    onValue: (value: string) => props.onChange(field, value),
    error: props.errorOf(key(field)),
  });
  const encrypted = t.encryption !== 'off';
  const rotation = Number(t.keyRotationSegments);
  const segment = Number(t.segmentSeconds) || 4;
  return (
    <li className="template-fields" aria-label={`Template ${index + 1}`}>
      <fieldset>
        <legend>
          Template {index + 1}: {t.definition}
          {encrypted ? ' · encrypted' : ''}
        </legend>
        <div className="grid">
          <SelectField
            {...common('definition')}
            label="Definition"
            options={DEFINITIONS.map((d) => [d, d])}
          />
          <TextField {...common('name')} label="Template name" placeholder={t.definition} maxLength={128} />
          <TextField {...common('videoBitrate')} label="Video bitrate (kbps)" inputMode="numeric" />
          <TextField {...common('audioBitrate')} label="Audio bitrate (kbps)" inputMode="numeric" />
          <TextField
            {...common('width')}
            label="Width (px)"
            inputMode="numeric"
            placeholder="auto"
            hint="Even, 128–4096."
          />
          <TextField
            {...common('height')}
            label="Height (px)"
            inputMode="numeric"
            placeholder="auto"
            hint="Even, 128–4096."
          />
          <TextField {...common('fps')} label="Frame rate (fps)" inputMode="decimal" placeholder="source" />
          <TextField {...common('segmentSeconds')} label="Segment length (s)" inputMode="numeric" />
          <SelectField
            {...common('encryption')}
            label="Video Encryption"
            options={ENCRYPTION_CHOICES.map((c): [string, string] => [
              c,
              ENCRYPTION_LABELS[c as EncryptionChoice],
            ])}
            frameClassName="span-2"
          />
          <SelectField
            {...common('tracing')}
            label="Leak tracing"
            options={TRACING_CHOICES.map((c): [string, string] => [c, TRACING_LABELS[c]])}
          />
          {t.tracing === 'on' ? (
            <TextField
              {...common('traceSegmentSeconds')}
              label="Tracing segment length (s)"
              inputMode="numeric"
              hint="1–4 s; one code bit per segment (1 s names a viewer from the shortest leaks)."
            />
          ) : null}
          {encrypted ? (
            <TextField
              {...common('keyRotationSegments')}
              label="Key rotation (segments)"
              inputMode="numeric"
              hint={
                Number.isInteger(rotation) && rotation > 0
                  ? `A new key every ${rotation} segments (about every ${rotation * segment} s).`
                  : '0 = one key for the whole rendition.'
              }
            />
          ) : null}
        </div>
        {props.onRemove ? (
          <button type="button" className="link-button" onClick={props.onRemove}>
            Remove template {index + 1}
          </button>
        ) : null}
      </fieldset>
    </li>
  );
}

/** DOM id of a form field key (`templates.0.videoBitrate` → `tpl-templates-0-videoBitrate`). */
export function fieldId(key: string): string {
  return `tpl-${key.replaceAll('.', '-')}`;
}

function focusField(key: string) {
  requestAnimationFrame(() => document.getElementById(fieldId(key))?.focus());
}
