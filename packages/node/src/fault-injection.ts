/**
 * TEST ONLY: a runtime wrapper that corrupts the first state write of every block, so a test can
 * show that a PCN whose execution differs is out-voted and halts the chain. Enabled only by the
 * `faults.corruptWriteOnChain` config field, and logged loudly when it is.
 */
import type { ContractInstance, ContractRuntime, HostApi } from '@bsn/ledger';

/** Wraps a runtime so that each instance (one per block and contract) corrupts its first write. */
export function faultyRuntime(inner: ContractRuntime): ContractRuntime {
  return {
    name: inner.name,
    validate: (code) => inner.validate(code),
    instantiate(code): ContractInstance {
      const instance = inner.instantiate(code);
      let corrupted = false;
      return {
        methods: instance.methods,
        invoke(call, host): ReturnType<ContractInstance['invoke']> {
          const faulty: HostApi = {
            get: (k) => host.get(k),
            del: (k) => host.del(k),
            range: (s, e, l) => host.range(s, e, l),
            emit: (n, d) => host.emit(n, d),
            put: (k, v) => {
              if (!corrupted && !call.readOnly) {
                corrupted = true;
                host.put(k, { corrupted: true, original: v });
                return;
              }
              host.put(k, v);
            },
          };
          return instance.invoke(call, faulty);
        },
        dispose: () => instance.dispose(),
      };
    },
  };
}
