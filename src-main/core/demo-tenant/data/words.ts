/**
 * Small word tables for synthetic identities. ASCII forms for UPNs are
 * precomputed once so building a user needs no string normalisation.
 */

function table(names: readonly string[]): ReadonlyArray<{ name: string; ascii: string }> {
  return names.map((name) => ({
    name,
    ascii: name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase(),
  }));
}

export const FIRST_NAMES = table([
  'Adele', 'Alex', 'Allan', 'Amira', 'Ana', 'Anders', 'Aoife', 'Ben', 'Bianca', 'Carlos', 'Chen', 'Chloé', 'Daniel',
  'Diego', 'Eilidh', 'Elif', 'Emma', 'Fatima', 'Finn', 'François', 'Grace', 'Hannah', 'Henrik', 'Ines', 'Isaac',
  'Isabella', 'Jakub', 'James', 'Jana', 'Joni', 'José', 'Julia', 'Kai', 'Karin', 'Lars', 'Leila', 'Liam', 'Lidia',
  'Lucas', 'Lynne', 'Maya', 'Megan', 'Miriam', 'Nestor', 'Noah', 'Nuno', 'Olga', 'Omar', 'Patti', 'Pradeep',
  'Priya', 'Rafael', 'Renée', 'Sakura', 'Samuel', 'Sofia', 'Søren', 'Tariq', 'Thomas', 'Yuki', 'Zoë', 'Zygmunt',
]);

export const LAST_NAMES = table([
  'Adams', 'Ahmed', 'Andersson', 'Bauer', 'Becker', 'Brown', 'Byrne', 'Castillo', 'Chen', 'Costa', 'Da Silva',
  'Dubois', 'Eriksen', 'Fernández', 'Fischer', 'García', 'González', 'Gupta', 'Hansen', 'Hernández', 'Ivanova',
  'Jansen', 'Jensen', 'Johansson', 'Kaur', 'Khan', 'Kim', 'Kowalski', 'Lambert', 'Larsen', 'Lee', 'López',
  'MacDonald', 'Martin', 'Mikkelsen', 'Moreau', 'Müller', 'Murphy', "O'Brien", "O'Neill", 'Nakamura', 'Nguyen',
  'Nielsen', 'Novak', 'Okafor', 'Patel', 'Pereira', 'Petrov', 'Rahman', 'Rossi', 'Sato', 'Schmidt', 'Silva',
  'Singh', 'Smith', 'Suzuki', 'Tanaka', 'Van der Berg', 'Wagner', 'Walsh', 'Wang', 'Williams', 'Wójcik', 'Zhang',
]);

export interface Department {
  name: string;
  titles: readonly string[];
}

export const DEPARTMENTS: readonly Department[] = [
  { name: 'Finance', titles: ['Accountant', 'Financial Analyst', 'Controller', 'Payroll Specialist', 'Finance Manager'] },
  { name: 'Human Resources', titles: ['HR Generalist', 'Recruiter', 'HR Business Partner', 'Learning Coordinator'] },
  { name: 'IT', titles: ['Service Desk Analyst', 'Systems Engineer', 'Network Administrator', 'IT Manager', 'Security Analyst'] },
  { name: 'Sales', titles: ['Account Executive', 'Sales Representative', 'Sales Manager', 'Inside Sales Specialist'] },
  { name: 'Marketing', titles: ['Marketing Specialist', 'Content Writer', 'Brand Manager', 'Digital Marketing Lead'] },
  { name: 'Operations', titles: ['Operations Coordinator', 'Logistics Planner', 'Warehouse Supervisor', 'Operations Manager'] },
  { name: 'Legal', titles: ['Legal Counsel', 'Paralegal', 'Compliance Officer'] },
  { name: 'Engineering', titles: ['Software Engineer', 'QA Engineer', 'Product Manager', 'Engineering Manager', 'Data Scientist'] },
  { name: 'Customer Service', titles: ['Support Agent', 'Customer Success Manager', 'Team Lead'] },
  { name: 'Retail', titles: ['Store Associate', 'Store Manager', 'Cashier', 'Shift Supervisor'] },
];

export interface Location {
  usageLocation: string;
  city: string;
  office: string;
  language: string;
}

export const LOCATIONS: readonly Location[] = [
  { usageLocation: 'US', city: 'Seattle', office: 'Seattle HQ', language: 'en-US' },
  { usageLocation: 'US', city: 'Chicago', office: 'Chicago', language: 'en-US' },
  { usageLocation: 'GB', city: 'London', office: 'London', language: 'en-GB' },
  { usageLocation: 'DE', city: 'Munich', office: 'München', language: 'de-DE' },
  { usageLocation: 'FR', city: 'Lyon', office: 'Lyon', language: 'fr-FR' },
  { usageLocation: 'NL', city: 'Amsterdam', office: 'Amsterdam', language: 'nl-NL' },
  { usageLocation: 'DK', city: 'Copenhagen', office: 'København', language: 'da-DK' },
  { usageLocation: 'PL', city: 'Warsaw', office: 'Warszawa', language: 'pl-PL' },
  { usageLocation: 'ES', city: 'Madrid', office: 'Madrid', language: 'es-ES' },
  { usageLocation: 'IN', city: 'Bengaluru', office: 'Bengaluru', language: 'en-IN' },
  { usageLocation: 'JP', city: 'Tokyo', office: 'Tokyo', language: 'ja-JP' },
  { usageLocation: 'BR', city: 'São Paulo', office: 'São Paulo', language: 'pt-BR' },
];

export const GUEST_DOMAINS: readonly string[] = ['fabrikam.com', 'northwindtraders.com', 'adatum.com', 'tailspintoys.com', 'gmail.com'];
