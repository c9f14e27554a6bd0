export {
  decodePath,
  errorAnswer,
  JsonText,
  parseJson,
  readBody,
  requestUrl,
  sendError,
  sendJson,
  writeJson,
} from './respond.js';
