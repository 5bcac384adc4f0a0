import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "./api";
import { AuthProvider, useAuth } from "./auth";
import { LookProvider } from "./theme";
import { Shell } from "./layout";
import { RequireModule } from "./modules";
import { GenericList, GenericNew, GenericRecord } from "./entity";
import { Dashboard, Login, Modules, Settings, Signup, Users } from "./pages/core";
import { ContactDetail, ContactEdit, ContactNew, Contacts, Opportunities } from "./pages/crm";
import { CampaignRecord, Campaigns, KbNew, KbRecord, KnowledgeBase, OrderNew, OrderRecord, Orders, Reorder, TicketRecord, Tickets } from "./pages/business";
import { Empty, Page } from "./ui";
import "./styles.css";

const client = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // Client errors (404, 403…) will not change by asking again.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});

function Private({ children }: { children: ReactNode }) {
  const { loggedIn } = useAuth();
  const location = useLocation();
  if (!loggedIn) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <Shell>{children}</Shell>;
}

function Public({ children }: { children: ReactNode }) {
  const { loggedIn } = useAuth();
  return loggedIn ? <Navigate to="/" replace /> : <main id="content">{children}</main>;
}

const mod = (name: string, page: ReactNode) => <RequireModule name={name}>{page}</RequireModule>;

function App() {
  return (
    <Routes>
      <Route path="/login" element={<Public><Login /></Public>} />
      <Route path="/signup" element={<Public><Signup /></Public>} />
      <Route
        path="/*"
        element={
          <Private>
            <Routes>
              <Route index element={<Dashboard />} />
              <Route path="modules" element={<Modules />} />
              <Route path="users" element={<Users />} />
              <Route path="settings" element={<Settings />} />

              <Route path="crm/contacts" element={mod("crm", <Contacts />)} />
              <Route path="crm/contacts/new" element={mod("crm", <ContactNew />)} />
              <Route path="crm/contacts/:id" element={mod("crm", <ContactDetail />)} />
              <Route path="crm/contacts/:id/edit" element={mod("crm", <ContactEdit />)} />
              <Route path="crm/opportunities" element={mod("crm", <Opportunities />)} />

              <Route path="erp/products" element={<GenericList module="erp" entity="products" base="/erp/products" title="Products" list={{ search: "search", columns: ["name", "sku", "unit_price", "stock_quantity", "reorder_level"] }} />} />
              <Route path="erp/products/new" element={<GenericNew module="erp" entity="products" base="/erp/products" title="Products" />} />
              <Route path="erp/products/:id" element={<GenericRecord module="erp" entity="products" base="/erp/products" title="Products" />} />
              <Route path="erp/products/:id/edit" element={<GenericRecord edit module="erp" entity="products" base="/erp/products" title="Products" />} />
              <Route path="erp/reorder" element={<Reorder />} />
              <Route path="erp/orders" element={<Orders />} />
              <Route path="erp/orders/new" element={<OrderNew />} />
              <Route path="erp/orders/:id" element={<OrderRecord />} />

              <Route path="studio/campaigns" element={<Campaigns />} />
              <Route path="studio/campaigns/new" element={<GenericNew module="studio" entity="campaigns" base="/studio/campaigns" title="Campaigns" />} />
              <Route path="studio/campaigns/:id" element={<CampaignRecord />} />
              <Route path="studio/campaigns/:id/edit" element={<CampaignRecord edit />} />

              <Route path="support/tickets" element={<Tickets />} />
              <Route path="support/tickets/new" element={<GenericNew module="support" entity="tickets" base="/support/tickets" title="Tickets" />} />
              <Route path="support/tickets/:id" element={<TicketRecord />} />
              <Route path="support/tickets/:id/edit" element={<TicketRecord edit />} />
              <Route path="support/kb" element={<KnowledgeBase />} />
              <Route path="support/kb/new" element={<KbNew />} />
              <Route path="support/kb/:id" element={<KbRecord />} />
              <Route path="support/kb/:id/edit" element={<KbRecord edit />} />

              <Route path="m/:module/:entity" element={<GenericList />} />
              <Route path="m/:module/:entity/new" element={<GenericNew />} />
              <Route path="m/:module/:entity/:id" element={<GenericRecord />} />
              <Route path="m/:module/:entity/:id/edit" element={<GenericRecord edit />} />
              <Route
                path="*"
                element={
                  <Page title="Page not found">
                    <Empty>There is no such page.</Empty>
                  </Page>
                }
              />
            </Routes>
          </Private>
        }
      />
    </Routes>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <AuthProvider>
          <LookProvider>
            <App />
          </LookProvider>
        </AuthProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
