/**
 * Media categories (reference-more §5.2–§5.5): AddCategory, UpdateCategory, DeleteCategory and
 * GetCategories. A tree of at most three levels (Level 0–2) under the virtual root `CateId -1`,
 * at most 100 children per category. Only `Type=default` (audio, video, image) categories exist
 * here: the cloud's `material` categories hang under built-in top levels we do not have.
 */
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import { wireTime } from '../catalogue/template-group-service.js';
import { apiErrors, mediaLibraryErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import {
  ROOT_CATE_ID,
  type CategoryRecord,
  type CategoryStore,
  type CategoryWithCount,
} from '../store/category-store.js';

export const MAX_CATEGORY_LEVELS = 3;
export const MAX_SUBCATEGORIES = 100;
const MAX_CATE_NAME_BYTES = 64;

function categoryToWire(c: CategoryRecord): Record<string, unknown> {
  return { CateId: c.cateId, CateName: c.cateName, ParentId: c.parentId, Level: c.level, Type: c.type };
}

function cateName(params: RpcParams): string {
  const name = params.required('CateName').trim();
  if (name === '') throw apiErrors.missingParameter('CateName');
  if (Buffer.byteLength(name) > MAX_CATE_NAME_BYTES)
    throw catalogueErrors.lengthExceeded('CateName', MAX_CATE_NAME_BYTES);
  return name;
}

function type(params: RpcParams): 'default' {
  const value = params.oneOf('Type', ['default', 'material'] as const, 'default');
  if (value === 'material') {
    throw apiErrors.invalidParameter(
      'Type',
      'Only "default" categories (audio, video, image) are supported; short-video material categories are not.',
    );
  }
  return 'default';
}

/** A CateId parameter: an integer; `allowRoot` admits -1. */
export function cateIdParam(params: RpcParams, name = 'CateId', allowRoot = false): number | undefined {
  const value = params.integer(name, { min: allowRoot ? -1 : 0, max: Number.MAX_SAFE_INTEGER });
  if (value === -1 && !allowRoot) throw apiErrors.invalidParameter(name, 'It must be a category id.');
  return value;
}

export function categoryActions(deps: { categories: CategoryStore }): Record<string, ActionHandler> {
  const { categories } = deps;

  const mustFind = async (cateId: number) => {
    const category = await categories.find(cateId);
    if (!category) throw mediaLibraryErrors.cateNotFound(cateId);
    return category;
  };

  return {
    AddCategory: async ({ params }) => {
      const name = cateName(params);
      const categoryType = type(params);
      const parentId = params.integer('ParentId', { min: -1, max: Number.MAX_SAFE_INTEGER }) ?? ROOT_CATE_ID;
      let level = 0;
      let appId = params.optional('AppId') ?? DEFAULT_APP_ID;
      if (parentId !== ROOT_CATE_ID) {
        const parent = await mustFind(parentId);
        level = parent.level + 1;
        appId = parent.appId;
      }
      if (level >= MAX_CATEGORY_LEVELS) throw mediaLibraryErrors.levelExceeded();
      if ((await categories.countChildren(parentId)) >= MAX_SUBCATEGORIES)
        throw mediaLibraryErrors.subTotalExceeded();
      const category = await categories.insert({
        cateName: name,
        parentId,
        level,
        type: categoryType,
        appId,
      });
      return { Category: categoryToWire(category) };
    },

    UpdateCategory: async ({ params }) => {
      const cateId = cateIdParam(params);
      if (cateId === undefined) throw apiErrors.missingParameter('CateId');
      const name = cateName(params);
      if (!(await categories.rename(cateId, name))) throw mediaLibraryErrors.cateNotFound(cateId);
      return {};
    },

    DeleteCategory: async ({ params }) => {
      const cateId = cateIdParam(params);
      if (cateId === undefined) throw apiErrors.missingParameter('CateId');
      if ((await categories.deleteTree(cateId)).length === 0) throw mediaLibraryErrors.cateNotFound(cateId);
      return {};
    },

    GetCategories: async ({ params }) => {
      const cateId = cateIdParam(params, 'CateId', true) ?? ROOT_CATE_ID;
      const pageNo = params.integer('PageNo', { min: 1, max: 100_000, fallback: 1 })!;
      const pageSize = params.integer('PageSize', { min: 1, max: 100, fallback: 10 })!;
      const sortBy = params.oneOf(
        'SortBy',
        ['CreationTime:Desc', 'CreationTime:Asc'] as const,
        'CreationTime:Desc',
      );
      const typeFilter = params.oneOf('Type', ['default', 'material'] as const);
      // Our choice (UNCONFIRMED): the root is described as {CateId:-1, CateName:"", Level:-1, Type}.
      const category =
        cateId === ROOT_CATE_ID
          ? { CateId: ROOT_CATE_ID, CateName: '', Level: -1, Type: typeFilter ?? 'default' }
          : categoryToWire(await mustFind(cateId));
      const page = await categories.children({
        parentId: cateId,
        type: typeFilter,
        ascending: sortBy === 'CreationTime:Asc',
        offset: (pageNo - 1) * pageSize,
        limit: pageSize,
      });
      return {
        SubTotal: page.total,
        Category: category,
        SubCategories: {
          Category: page.categories.map((c: CategoryWithCount) => ({
            ...categoryToWire(c),
            SubTotal: c.subTotal,
            // Our extension: when the category was made.
            CreationTime: wireTime(c.creationTime),
          })),
        },
      };
    },
  };
}
