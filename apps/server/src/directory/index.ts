export { DirectoryRepository } from './directory-repository.js';
export { DirectoryService } from './directory-service.js';
