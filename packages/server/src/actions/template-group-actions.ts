/**
 * Transcode template group actions (reference §2.10–2.12): Add, Update, Get, List, Delete and
 * SetDefault. Templates are validated field by field (templates/transcode-template.ts).
 */
import { randomUUID } from 'node:crypto';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import {
  DEFAULT_APP_ID,
  groupSummaryToWire,
  groupToWire,
  MAX_TEMPLATE_GROUPS,
  type TemplateGroupService,
} from '../catalogue/template-group-service.js';
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-plugin.js';
import { parseTranscodeTemplateList, type TranscodeTemplate } from '../templates/transcode-template.js';

const MAX_TEMPLATES = 20;

function groupName(params: RpcParams): string | undefined {
  const name = params.optional('Name');
  if (name !== undefined && Buffer.byteLength(name) > 128) throw catalogueErrors.lengthExceeded('Name', 128);
  return name;
}

function templateList(params: RpcParams): TranscodeTemplate[] | undefined {
  const raw = params.optional('TranscodeTemplateList');
  return raw === undefined ? undefined : parseTranscodeTemplateList(raw);
}

function lockedParam(params: RpcParams): boolean | undefined {
  const raw = params.oneOf('Locked', ['Enabled', 'Disabled'] as const);
  return raw === undefined ? undefined : raw === 'Enabled';
}

export function templateGroupActions(deps: {
  groups: TemplateGroupService;
  /** The apps whose groups the caller may list (access control); absent = all. */
  appScope?: (request: RpcRequest) => Promise<'all' | string[]>;
}): Record<string, ActionHandler> {
  const { groups } = deps;
  const store = groups.store;

  const editable = async (id: string, unlocking = false) => {
    const group = await groups.get(id);
    if (group.special) throw catalogueErrors.specialTemplateGroup();
    if (group.locked && !unlocking) throw catalogueErrors.lockedTemplateGroup();
    return group;
  };

  return {
    AddTranscodeTemplateGroup: async ({ params }) => {
      const name = groupName(params);
      const existingId = params.optional('TranscodeTemplateGroupId');
      const templates = templateList(params) ?? [];
      if (existingId !== undefined) {
        const group = await editable(existingId);
        const merged = [...group.templates, ...templates];
        if (merged.length > MAX_TEMPLATES) {
          throw apiErrors.invalidParameter(
            'TranscodeTemplateList',
            `A group holds at most ${MAX_TEMPLATES} templates.`,
          );
        }
        await store.update(existingId, { templates: merged, ...(name !== undefined ? { name } : {}) });
        return { TranscodeTemplateGroupId: existingId };
      }
      if (name === undefined) throw apiErrors.missingParameter('Name');
      const appId = params.optional('AppId') ?? DEFAULT_APP_ID;
      if ((await store.list()).filter((g) => !g.special).length >= MAX_TEMPLATE_GROUPS) {
        throw catalogueErrors.templateGroupsExceeded();
      }
      const id = randomUUID().replaceAll('-', '');
      await store.insert({
        templateGroupId: id,
        name,
        isDefault: false,
        locked: false,
        special: null,
        appId,
        templates,
      });
      return { TranscodeTemplateGroupId: id };
    },

    UpdateTranscodeTemplateGroup: async ({ params }) => {
      const id = params.required('TranscodeTemplateGroupId');
      const locked = lockedParam(params);
      const group = await editable(id, locked === false);
      const name = groupName(params);
      const templates = templateList(params);
      if (templates) {
        // Templates named by an existing TranscodeTemplateId keep it; others get new ids.
        const known = new Set(group.templates.map((t) => t.transcodeTemplateId));
        for (const t of templates)
          if (!known.has(t.transcodeTemplateId)) t.transcodeTemplateId = randomUUID().replaceAll('-', '');
      }
      await store.update(id, {
        ...(name !== undefined ? { name } : {}),
        ...(templates !== undefined ? { templates } : {}),
        ...(locked !== undefined ? { locked } : {}),
      });
      return { TranscodeTemplateGroupId: id };
    },

    GetTranscodeTemplateGroup: async ({ params }) => {
      const group = await groups.get(params.required('TranscodeTemplateGroupId'));
      return { TranscodeTemplateGroup: groupToWire(group) };
    },

    ListTranscodeTemplateGroup: async (request) => {
      const scope = (await deps.appScope?.(request)) ?? 'all';
      const list = (await store.list(request.params.optional('AppId'))).filter(
        (g) => scope === 'all' || scope.includes(g.appId),
      );
      return { TranscodeTemplateGroupList: list.map(groupSummaryToWire) };
    },

    DeleteTranscodeTemplateGroup: async ({ params }) => {
      const id = params.required('TranscodeTemplateGroupId');
      const group = await editable(id);
      const ids = params.optional('TranscodeTemplateIds');
      const force = params.oneOf('ForceDelGroup', ['true', 'false'] as const, 'false') === 'true';
      if (ids !== undefined && !force) {
        const wanted = ids
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const present = new Set(group.templates.map((t) => t.transcodeTemplateId));
        await store.update(id, {
          templates: group.templates.filter((t) => !wanted.includes(t.transcodeTemplateId)),
        });
        return { NonExistTranscodeTemplateIds: wanted.filter((w) => !present.has(w)) };
      }
      if (group.isDefault) throw catalogueErrors.defaultTemplateGroup();
      await store.delete(id);
      return { NonExistTranscodeTemplateIds: [] };
    },

    SetDefaultTranscodeTemplateGroup: async ({ params }) => {
      const group = await groups.get(params.required('TranscodeTemplateGroupId'));
      if (group.special) throw catalogueErrors.specialTemplateGroup();
      await store.setDefault(group.templateGroupId, group.appId);
      return {};
    },
  };
}
