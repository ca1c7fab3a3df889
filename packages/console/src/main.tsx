/** Entry point: one SessionManager for the page, a remembered session restored if there is one. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { CredentialVault, MemoryVault, type SessionVault } from './session/credential-vault.js';
import { SessionManager } from './session/session-manager.js';
import './styles/base.css';
import './styles/components.css';
import './styles/layout.css';

const vault: SessionVault = typeof indexedDB === 'undefined' ? new MemoryVault() : new CredentialVault();
const sessions = new SessionManager({ vault });
const restoring = sessions.restore().catch(() => undefined);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App sessions={sessions} restoring={restoring} />
  </StrictMode>,
);
