import type { WireTemplate } from '../forms/template-form.js';

/**
 * The parts of the API's answers the console reads (docs/api.md; the server's
 * `packages/server/src/actions/*.ts`). Fields the console does not use are left out; everything is
 * optional where a server version might not send it.
 */

export interface WireVideo {
  readonly VideoId: string;
  readonly Title: string;
  readonly Status: string;
  readonly Duration?: number;
  readonly Size?: number;
  readonly CreationTime?: string;
  readonly ModificationTime?: string;
  readonly TemplateGroupId?: string;
  readonly DownloadSwitch?: 'on' | 'off';
  readonly CoverURL?: string;
  readonly Description?: string;
  readonly CateId?: number;
  readonly CateName?: string;
  /** Our extension: why a video failed, in words a person can act on. */
  readonly StatusReason?: string;
  /** Our extension: percent done while Transcoding. */
  readonly TranscodeProgress?: number;
  /**
   * Our extension: how the published renditions are encrypted, comma-separated
   * (`AliyunVoDEncryption`, `HLSEncryption`, `Unencrypted`); absent before the first transcode.
   */
  readonly EncryptTypes?: string;
}

export interface WireCategory {
  readonly CateId: number;
  readonly CateName: string;
  readonly ParentId?: number;
  readonly Level: number;
  readonly SubTotal?: number;
}

export interface SearchMediaAnswer {
  readonly Total: number;
  readonly ScrollToken?: string;
  readonly MediaList?: readonly { readonly MediaId: string; readonly Video?: WireVideo }[];
}

export interface GetVideoListAnswer {
  readonly Total: number;
  readonly VideoList?: { readonly Video?: readonly WireVideo[] };
}

export interface WirePlayInfo {
  readonly Definition: string;
  readonly Bitrate?: string;
  readonly Duration?: string;
  readonly Size?: number;
  readonly Width?: number;
  readonly Height?: number;
  readonly Fps?: string;
  readonly Encrypt?: number;
  readonly EncryptType?: string;
  readonly Format?: string;
  readonly Status?: string;
  readonly StreamId?: string;
}

export interface GetPlayInfoAnswer {
  readonly PlayInfoList?: { readonly PlayInfo?: readonly WirePlayInfo[] };
}

export interface WireGroupSummary {
  readonly TranscodeTemplateGroupId: string;
  readonly Name: string;
  readonly IsDefault: 'Default' | 'NotDefault';
  readonly Locked?: 'Enabled' | 'Disabled';
  readonly CreationTime?: string;
  readonly ModifyTime?: string;
  readonly TranscodeMode?: string;
}

export interface WireGroup extends WireGroupSummary {
  readonly TranscodeTemplateList?: readonly WireTemplate[];
}

export interface MessageCallbackAnswer {
  readonly MessageCallback?: {
    readonly CallbackURL?: string;
    readonly EventTypeList?: string;
    readonly AuthSwitch?: 'on' | 'off';
    readonly AuthKey?: string;
  };
}

export interface WireCallbackDelivery {
  readonly EventType: string;
  readonly VideoId?: string;
  readonly CallbackURL?: string;
  readonly Status: string;
  readonly Attempts?: number;
  readonly LastError?: string;
  readonly CreationTime?: string;
  readonly FinishTime?: string;
}

export interface CallbackDeliveriesAnswer {
  readonly CallbackDeliveries?: { readonly CallbackDelivery?: readonly WireCallbackDelivery[] };
}

export interface CustomerConfigAnswer {
  readonly DownloadSwitch?: 'on' | 'off';
  readonly DownloadMode?: 'Normal' | 'Secure';
  /** Concurrent-stream limits (our extension): 0 = off. */
  readonly MaxConcurrentStreams?: number;
  readonly ConcurrentStreamsPolicy?: 'RefuseNew' | 'EndOldest';
  readonly StreamLeaseInterval?: number;
  readonly StreamLeaseGrace?: number;
  /** Seconds; 0 = none (our rental extension). */
  readonly LicenseDuration?: number;
}

export interface WireSecretVersion {
  readonly SecretVersion: number;
  readonly Status: string;
  readonly CreationTime?: string;
  readonly RevokedTime?: string;
}

export interface DownloadSecretKeysAnswer {
  readonly AppList?: readonly {
    readonly AppIdentification: string;
    readonly Versions?: readonly WireSecretVersion[];
  }[];
}

export interface GenerateDownloadSecretKeyAnswer {
  readonly AppEncryptKey: string;
  readonly AppIdentification?: string;
  readonly SecretVersion?: number;
}

export interface WireAccessKey {
  readonly AccessKeyId: string;
  readonly Status: 'Active' | 'Inactive';
  readonly IsRoot?: boolean;
  readonly Description?: string;
  readonly CreateTime?: string;
  /** RAM's name for the creation time (the server sends this one). */
  readonly CreateDate?: string;
}

export interface AccessKeysAnswer {
  readonly AccessKeys?: { readonly AccessKey?: readonly WireAccessKey[] };
}

export interface CreateAccessKeyAnswer {
  readonly AccessKey: {
    readonly AccessKeyId: string;
    readonly AccessKeySecret: string;
    readonly Status?: string;
  };
}

export interface WireKeyDelivery {
  readonly DeliveredAt: string;
  readonly VideoId: string;
  readonly StreamId?: string;
  readonly Period?: number;
  readonly EncryptType?: string;
  readonly ClientIp?: string;
  readonly Credential?: string;
  readonly ViewerId?: string;
  readonly UserAgent?: string;
}

export interface KeyDeliveriesAnswer {
  readonly Total: number;
  readonly KeyDeliveryList?: { readonly KeyDelivery?: readonly WireKeyDelivery[] };
}
