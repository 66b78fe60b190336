import type { BackendInfo } from '@convkit/tensor';
import { startBackend } from './backend';
import { startStatusBar } from './status-bar';

let backend: BackendInfo | undefined;

async function switchBackend(name: string): Promise<void> {
  backend = undefined;
  try {
    backend = await startBackend(name);
    console.info(backend.summary);
  } catch (error) {
    alert((error as Error).message);
  }
}

const select = document.querySelector<HTMLSelectElement>('#backend')!;
const params = new URLSearchParams(location.search);
select.value = params.get('backend') ?? 'webgl';
select.addEventListener('change', () => void switchBackend(select.value));
startStatusBar(document.querySelector('#status')!, () => backend);
await switchBackend(select.value);
