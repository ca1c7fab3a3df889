/**
 * Template groups: the list (default marked), create / edit with the template editor, set
 * default, and delete. The built-in "No transcoding" group is locked by the server.
 */
import { useState } from 'react';
import type { WireGroup, WireGroupSummary } from '../api/wire-types.js';
import { fromWireTemplates, newGroupDraft, type GroupDraft } from '../forms/template-form.js';
import { useConfirm } from '../ui/confirm-dialog.js';
import { EmptyState, ErrorNotice, Loading, Notice } from '../ui/notices.js';
import { useSession } from '../ui/session-context.js';
import { useLoad } from '../ui/use-load.js';
import { formatTime } from '../util/format.js';
import { TemplateEditor } from './template-editor.js';

interface Editing {
  readonly groupId: string | undefined;
  readonly draft: GroupDraft;
}

export function TemplateGroupsPage() {
  const { client } = useSession();
  const groups = useLoad(
    async (signal) =>
      (
        await client.request<{ TranscodeTemplateGroupList?: WireGroupSummary[] }>(
          'ListTranscodeTemplateGroup',
          {},
          { signal },
        )
      ).TranscodeTemplateGroupList ?? [],
    [client],
  );
  const [editing, setEditing] = useState<Editing | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [confirm, confirmElement] = useConfirm();

  const run = async (what: () => Promise<string>) => {
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await what());
      groups.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const edit = (group: WireGroupSummary) =>
    run(async () => {
      const { TranscodeTemplateGroup } = await client.request<{ TranscodeTemplateGroup: WireGroup }>(
        'GetTranscodeTemplateGroup',
        { TranscodeTemplateGroupId: group.TranscodeTemplateGroupId },
      );
      setEditing({
        groupId: group.TranscodeTemplateGroupId,
        draft: fromWireTemplates(
          TranscodeTemplateGroup.Name,
          TranscodeTemplateGroup.TranscodeTemplateList ?? [],
        ),
      });
      return '';
    });

  const setDefault = (group: WireGroupSummary) =>
    run(async () => {
      await client.request('SetDefaultTranscodeTemplateGroup', {
        TranscodeTemplateGroupId: group.TranscodeTemplateGroupId,
      });
      return `“${group.Name}” is now the default group: uploads that name no group use it.`;
    });

  const remove = async (group: WireGroupSummary) => {
    const confirmed = await confirm({
      title: `Delete “${group.Name}”?`,
      body: <p>Videos already transcoded keep their renditions. Uploads can no longer name this group.</p>,
      confirmLabel: 'Delete group',
      danger: true,
    });
    if (!confirmed) return;
    await run(async () => {
      await client.request('DeleteTranscodeTemplateGroup', {
        TranscodeTemplateGroupId: group.TranscodeTemplateGroupId,
        ForceDelGroup: 'true',
      });
      return `Deleted “${group.Name}”.`;
    });
  };

  const list = groups.data ?? [];
  return (
    <>
      <div className="page-header">
        <h1>Template groups</h1>
        {!editing ? (
          <button type="button" onClick={() => setEditing({ groupId: undefined, draft: newGroupDraft() })}>
            New group
          </button>
        ) : null}
      </div>
      <p className="muted page-intro">
        A template group decides which renditions an upload gets and whether they are encrypted. Turn on Video
        Encryption in a template to encrypt that rendition under the video's own key.
      </p>
      {confirmElement}
      {editing ? (
        <TemplateEditor
          key={editing.groupId ?? 'new'}
          groupId={editing.groupId}
          initial={editing.draft}
          onCancel={() => setEditing(undefined)}
          onSaved={(_id, name) => {
            setEditing(undefined);
            setNotice(editing.groupId ? `Saved “${name}”.` : `Created “${name}”.`);
            groups.reload();
          }}
        />
      ) : null}
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {groups.error ? <ErrorNotice error={groups.error} onRetry={groups.reload} /> : null}
      {groups.loading && !groups.data ? <Loading label="Loading template groups…" /> : null}
      {groups.data && list.length === 0 ? <EmptyState title="No template groups." /> : null}
      {list.length > 0 ? (
        <section className="card" aria-labelledby="groups-title">
          <h2 id="groups-title" className="visually-hidden">
            Groups
          </h2>
          <table className="data-table group-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Mode</th>
                <th scope="col">Modified</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((group) => {
                const locked = group.Locked === 'Enabled' || group.TranscodeMode === 'NoTranscode';
                const isDefault = group.IsDefault === 'Default';
                return (
                  <tr key={group.TranscodeTemplateGroupId} data-group-name={group.Name}>
                    <td data-label="Name">
                      <strong>{group.Name}</strong>{' '}
                      {isDefault ? <span className="badge badge-ok">Default</span> : null}
                      {locked ? <span className="badge badge-idle">Locked</span> : null}
                      <div className="muted small">
                        <code>{group.TranscodeTemplateGroupId}</code>
                      </div>
                    </td>
                    <td data-label="Mode">
                      {group.TranscodeMode === 'NoTranscode' ? 'No transcoding' : 'Transcode'}
                    </td>
                    <td data-label="Modified">{formatTime(group.ModifyTime)}</td>
                    <td className="actions">
                      {!locked ? (
                        <button
                          type="button"
                          className="button-secondary button-small"
                          onClick={() => void edit(group)}
                          aria-label={`Edit ${group.Name}`}
                        >
                          Edit
                        </button>
                      ) : null}
                      {!isDefault && group.TranscodeMode !== 'NoTranscode' ? (
                        <button
                          type="button"
                          className="button-secondary button-small"
                          onClick={() => void setDefault(group)}
                          aria-label={`Make ${group.Name} the default`}
                        >
                          Make default
                        </button>
                      ) : null}
                      {!isDefault && !locked ? (
                        <button
                          type="button"
                          className="button-secondary button-small"
                          onClick={() => void remove(group)}
                          aria-label={`Delete ${group.Name}`}
                        >
                          Delete
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}
