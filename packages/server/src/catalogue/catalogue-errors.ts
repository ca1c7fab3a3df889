/** Catalogue error codes and statuses from the reference's per-action tables (§2.4–§2.14). */
import { ApiError } from '../errors/api-error.js';

export const catalogueErrors = {
  videoNotFound: () => new ApiError('InvalidVideo.NotFound', 404, 'The video does not exist.'),
  fileNotFound: () =>
    new ApiError('InvalidFile.NotFound', 404, 'The source file of the video does not exist.'),
  illegalStatus: (status: string, httpStatus = 403) =>
    new ApiError(
      'Forbidden.IllegalStatus',
      httpStatus,
      `Status of the video is illegal. Current Status is ${status}.`,
    ),
  fileNameExtension: () =>
    new ApiError('InvalidFileName.Extension', 400, "The specified FileName's extension is illegal."),
  lengthExceeded: (name: string, max: number) =>
    new ApiError('LengthExceededMax', 400, `The specified ${name} length has exceeded ${max} bytes.`),
  tagsExceeded: () => new ApiError('TagsExceededMax', 400, 'The specified Tags count has exceeded 16.'),
  templateGroupNotFound: () =>
    new ApiError('InvalidTemplateGroupId.NotFound', 404, 'The specified TemplateGroupId does not exist.'),
  transcodeTemplateGroupNotFound: () =>
    new ApiError(
      'InvalidTranscodeTemplateGroup.NotFound',
      404,
      'The transcode template group does not exist.',
    ),
  lockedTemplateGroup: () =>
    new ApiError(
      'Forbidden.LockedTemplateGroup',
      403,
      'The template group is locked; unlock it with UpdateTranscodeTemplateGroup Locked=Disabled.',
    ),
  specialTemplateGroup: () =>
    new ApiError(
      'Forbidden.SpecialTemplateGroup',
      403,
      'The "no transcoding" template group cannot be changed or deleted.',
    ),
  defaultTemplateGroup: () =>
    new ApiError(
      'Forbidden.DefaultTemplateGroup',
      403,
      'The default template group cannot be deleted; make another group the default first.',
    ),
  templateGroupsExceeded: () =>
    new ApiError('TemplateGroupsExceededMax', 400, 'At most 20 template groups can be created.'),
  videoIdsExceeded: () =>
    new ApiError('VideoIdsExceededMax', 400, 'The specified VideoIds count has exceeded 20.'),
  videoListExceeded: () =>
    new ApiError(
      'VideoListExceededMax',
      400,
      'At most 5000 videos can be paged through; narrow the range with StartTime and EndTime.',
    ),
  noneStream: (what: string) =>
    new ApiError(
      'InvalidVideo.NoneStream',
      404,
      `The video has no stream to play for the request parameter '${what}'.`,
    ),
  duplicateSession: () =>
    new ApiError(
      'InvalidParameter.SessionId',
      400,
      'The specified SessionId was already used within 7 days.',
    ),
} as const;
