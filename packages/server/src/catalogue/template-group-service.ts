/**
 * Template groups as the API sees them: the built-in default ladder and "no transcoding" group,
 * lookups with the API's errors, and the wire form (reference §2.11–2.12).
 */
import { randomUUID } from 'node:crypto';
import type { TemplateGroupRecord, TemplateGroupStore } from '../store/template-group-store.js';
import { DEFAULT_LADDER } from '../transcode/ladder-planner.js';
import { templateToWire, type TranscodeTemplate } from '../templates/transcode-template.js';
import { catalogueErrors } from './catalogue-errors.js';

export const DEFAULT_APP_ID = 'app-1000000';
export const NO_TRANSCODE_GROUP_ID = 'VOD_NO_TRANSCODE';
export const MAX_TEMPLATE_GROUPS = 20;

export function defaultLadderTemplates(): TranscodeTemplate[] {
  return DEFAULT_LADDER.map((t) => ({
    transcodeTemplateId: randomUUID().replaceAll('-', ''),
    templateName: `${t.definition} H.264/AAC`,
    type: 'Normal',
    definition: t.definition as TranscodeTemplate['definition'],
    video: { codec: 'H.264', bitrateKbps: t.videoBitrateKbps, remove: false },
    audio: { codec: 'AAC', bitrateKbps: t.audioBitrateKbps, remove: false },
    container: { format: 'm3u8' },
    segmentSeconds: 4,
  }));
}

export function wireTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

export function groupSummaryToWire(group: TemplateGroupRecord): Record<string, unknown> {
  return {
    TranscodeTemplateGroupId: group.templateGroupId,
    Name: group.name,
    IsDefault: group.isDefault ? 'Default' : 'NotDefault',
    Locked: group.locked ? 'Enabled' : 'Disabled',
    CreationTime: wireTime(group.creationTime),
    ModifyTime: wireTime(group.modifyTime),
    AppId: group.appId,
    TranscodeMode: group.special === 'no-transcode' ? 'NoTranscode' : 'FastTranscode',
  };
}

export function groupToWire(group: TemplateGroupRecord): Record<string, unknown> {
  return { ...groupSummaryToWire(group), TranscodeTemplateList: group.templates.map(templateToWire) };
}

export class TemplateGroupService {
  constructor(readonly store: TemplateGroupStore) {}

  /** Creates the built-in groups on first start; leaves operator changes alone afterwards. */
  async ensureBuiltins(appId = DEFAULT_APP_ID): Promise<void> {
    if (!(await this.store.find(NO_TRANSCODE_GROUP_ID))) {
      await this.store.insert({
        templateGroupId: NO_TRANSCODE_GROUP_ID,
        name: 'No transcoding',
        isDefault: false,
        locked: true,
        special: 'no-transcode',
        appId,
        templates: [],
      });
    }
    if (!(await this.store.findDefault(appId))) {
      await this.store.insert({
        templateGroupId: randomUUID().replaceAll('-', ''),
        name: 'Default H.264/AAC ladder',
        isDefault: true,
        locked: false,
        special: null,
        appId,
        templates: defaultLadderTemplates(),
      });
    }
  }

  async get(id: string): Promise<TemplateGroupRecord> {
    const group = await this.store.find(id);
    if (!group) throw catalogueErrors.transcodeTemplateGroupNotFound();
    return group;
  }

  /** The group an upload uses: the named one (404 if unknown) or the app's default. */
  async resolveForUpload(id: string | undefined, appId: string): Promise<TemplateGroupRecord> {
    if (id !== undefined) {
      const group = await this.store.find(id);
      if (!group) throw catalogueErrors.templateGroupNotFound();
      return group;
    }
    const fallback = (await this.store.findDefault(appId)) ?? (await this.store.findDefault(DEFAULT_APP_ID));
    if (!fallback) throw catalogueErrors.templateGroupNotFound();
    return fallback;
  }
}
