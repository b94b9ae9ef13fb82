// Loaded before every test file. Property tests use random seeds on developers' machines (to keep
// finding new cases); under CI (CI=true) they use a fixed seed, or FC_SEED, so a CI run is
// reproducible and a failure can be replayed exactly. A failing property prints its seed either way.
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI ? '20261124' : undefined);
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(seed) });
