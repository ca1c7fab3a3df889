/** Factories for the catalogue's per-action codes (reference §2.4–§2.14); see errors/error-catalogue.ts. */
import { catalogued } from '../errors/api-error.js';

export const catalogueErrors = {
  videoNotFound: () => catalogued('InvalidVideo.NotFound'),
  fileNotFound: () => catalogued('InvalidFile.NotFound'),
  /** 403 by default; 400 where the vendor answers 400 (SubmitTranscodeJobs, GetPlayInfo …). */
  illegalStatus: (status: string, httpStatus = 403) =>
    catalogued('Forbidden.IllegalStatus', { status }, { status: httpStatus }),
  fileNameExtension: () => catalogued('InvalidFileName.Extension'),
  lengthExceeded: (name: string, max: number) => catalogued('LengthExceededMax', { name, max }),
  tagsExceeded: () => catalogued('TagsExceededMax'),
  templateGroupNotFound: () => catalogued('InvalidTemplateGroupId.NotFound'),
  transcodeTemplateGroupNotFound: () => catalogued('InvalidTranscodeTemplateGroup.NotFound'),
  noSuchResource: (resource: string) => catalogued('NoSuchResource', { resource }),
  lockedTemplateGroup: () => catalogued('Forbidden.LockedTemplateGroup'),
  specialTemplateGroup: () => catalogued('Forbidden.SpecialTemplateGroup'),
  defaultTemplateGroup: () => catalogued('Forbidden.DefaultTemplateGroup'),
  templateGroupsExceeded: () => catalogued('TemplateGroupsExceededMax'),
  videoIdsExceeded: () => catalogued('VideoIdsExceededMax'),
  videoListExceeded: () => catalogued('VideoListExceededMax'),
  /** `what`: the request's filters, e.g. `Formats: m3u8, Definition: HD`. */
  noneStream: (what: string) => catalogued('InvalidVideo.NoneStream', { what }),
  privateStreamOnly: () => catalogued('Forbidden.AliyunVoDEncryption'),
  duplicateSession: () => catalogued('InvalidParameter.SessionId'),
} as const;
