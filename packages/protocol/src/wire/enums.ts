import { Type } from '@sinclair/typebox';
import { CLIENT_CATEGORIES as CATEGORY_LIST } from '../client-category.js';
import { COMMUNICATION_MODES } from '../port-settings.js';

export const CLIENT_CATEGORIES = Type.Union(CATEGORY_LIST.map((name) => Type.Literal(name)));
export const COMMUNICATION_MODES_SCHEMA = Type.Union(COMMUNICATION_MODES.map((name) => Type.Literal(name)));
