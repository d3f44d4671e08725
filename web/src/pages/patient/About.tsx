import { Page, Say } from "../../components/ui";
import { words } from "../../text";

/** The clinic's page, tidied: why the portal is faster than the phone, what each service is for. */
export function AboutText({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? "h2" : "h3";
  const a = words.about;
  return (
    <div className="about">
      <section className="card">
        <H>{a.whyTitle}</H>
        <ul>{a.why.map((t) => <li key={t}>{t}</li>)}</ul>
      </section>
      <section className="card">
        <H>{a.servicesTitle}</H>
        <dl className="services">
          {a.services.map((s) => (
            <div key={s.name}><dt>{s.name}</dt><dd>{s.text}</dd></div>
          ))}
        </dl>
      </section>
      <section className="card">
        <H>{a.requirementsTitle}</H>
        <ul>{a.requirements.map((t) => <li key={t}><Say text={t} /></li>)}</ul>
      </section>
    </div>
  );
}

export function About() {
  return <Page title={words.about.title} lead={words.about.intro}><AboutText /></Page>;
}
