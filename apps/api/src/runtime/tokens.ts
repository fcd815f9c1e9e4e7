export const KEDJA_CONFIG = Symbol('KedjaConfig');
export const KEDJA_RUNTIME = Symbol('KedjaRuntime');
