/**
 * Words that put clinical detail into a message. HIPAA's minimum-necessary rule keeps SMS and voicemail
 * to name, practice, date/time and how to reply, so a template that names a test, a result, a procedure,
 * a condition, a sensitive specialty or a medication is refused for those channels. The lists are
 * deliberately of unambiguous words: "test", "exam", "screening", "vaccine", "treatment" and "medicine"
 * are left out because routine reminders and practice names use them.
 */

/** What kind of clinical detail a term reveals. */
export type ClinicalCategory = 'result' | 'test' | 'procedure' | 'condition' | 'specialty' | 'medication';

// Comma-separated lists keep a hundred short words readable (one per line would be five hundred lines).
function terms(list: string): readonly string[] {
  return list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

const EN: Readonly<Record<ClinicalCategory, readonly string[]>> = {
  result: terms(`
    result, results, diagnosis, diagnoses, diagnosed, prognosis, pathology, lab, labs, lab work,
    labwork, bloodwork, blood work, abnormal, malignant, benign, tested positive, tested negative,
    findings
  `),
  test: terms(`
    biopsy, biopsies, mammogram, mammograms, mammography, colonoscopy, endoscopy, ultrasound,
    sonogram, mri, ct scan, cat scan, pet scan, x-ray, xray, pap smear, pap test, blood test,
    urine test, urinalysis, pregnancy test, hiv test, std test, sti test, drug test, drug screen,
    covid test, a1c, hba1c, psa, ekg, ecg, echocardiogram, stress test, genetic test,
    genetic testing, dna test
  `),
  procedure: terms(`
    procedure, procedures, surgery, surgeries, surgical, chemotherapy, chemo, radiation,
    radiotherapy, dialysis, infusion, transfusion, transplant, abortion, vasectomy, ivf, colposcopy,
    amputation, anesthesia, sedation, therapy, therapist, psychotherapy, counseling, rehab,
    rehabilitation, detox
  `),
  condition: terms(`
    cancer, tumor, tumour, diabetes, diabetic, prediabetes, hiv, aids, std, stds, sti, stis,
    hepatitis, herpes, chlamydia, gonorrhea, syphilis, hpv, pregnancy, pregnant, prenatal,
    postpartum, miscarriage, infertility, depression, anxiety, bipolar, schizophrenia, psychosis,
    adhd, autism, dementia, alzheimer, alzheimers, addiction, substance use, alcoholism, overdose,
    opioid, opioids, hypertension, high blood pressure, asthma, copd, infection, stroke,
    heart failure, heart attack, obesity, eating disorder, anorexia, bulimia, suicide, suicidal,
    self-harm, ptsd, epilepsy, seizure, seizures, cirrhosis, leukemia, lymphoma, melanoma,
    tuberculosis, disease, disorder, syndrome, incontinence, erectile dysfunction
  `),
  specialty: terms(`
    oncology, oncologist, psychiatry, psychiatric, psychiatrist, mental health, behavioral health,
    infectious disease
  `),
  medication: terms(`
    medication, medications, meds, prescription, prescriptions, rx, refill, refills, dose, dosage,
    insulin, metformin, methadone, suboxone, buprenorphine, naloxone, narcan, antidepressant,
    antidepressants, antibiotic, antibiotics, birth control, contraceptive, contraceptives,
    contraception, ozempic, wegovy, semaglutide, oxycodone, adderall, truvada, statin, statins
  `),
};

const ES: Readonly<Record<ClinicalCategory, readonly string[]>> = {
  result: terms(`
    resultado, resultados, diagnóstico, diagnósticos, diagnosticado, diagnosticada, patología,
    análisis, laboratorio, anormal, maligno, maligna, benigno, benigna, dio positivo, dio negativo,
    salió positivo, salió negativo, hallazgos
  `),
  test: terms(`
    biopsia, biopsias, mamografía, mamograma, colonoscopía, endoscopía, ultrasonido, ecografía,
    sonograma, resonancia magnética, tomografía, radiografía, rayos x, papanicolaou,
    examen de sangre, prueba de sangre, prueba de orina, prueba de embarazo, prueba de vih,
    prueba de ets, prueba de drogas, prueba de covid, hemoglobina glicosilada, antígeno prostático,
    electrocardiograma, ecocardiograma, prueba de esfuerzo, prueba genética
  `),
  procedure: terms(`
    procedimiento, procedimientos, cirugía, cirugías, quirúrgico, quirúrgica, quimioterapia, quimio,
    radiación, radioterapia, diálisis, infusión, transfusión, trasplante, aborto, vasectomía, fiv,
    fertilización in vitro, colposcopía, amputación, anestesia, sedación, terapia, terapeuta,
    psicoterapia, consejería, rehabilitación, desintoxicación
  `),
  condition: terms(`
    cáncer, tumor, tumores, diabetes, diabético, diabética, prediabetes, vih, sida, ets, hepatitis,
    herpes, clamidia, gonorrea, sífilis, vph, embarazo, embarazada, prenatal, posparto, infertilidad,
    depresión, ansiedad, bipolar, esquizofrenia, psicosis, tdah, autismo, demencia, alzheimer,
    adicción, adicciones, alcoholismo, sobredosis, opioide, opioides, hipertensión, presión alta,
    asma, epoc, infección, derrame cerebral, insuficiencia cardíaca, infarto, ataque cardíaco,
    obesidad, trastorno, trastornos, anorexia, bulimia, suicidio, suicida, autolesión, tept,
    epilepsia, convulsión, convulsiones, cirrosis, leucemia, linfoma, melanoma, tuberculosis,
    enfermedad, enfermedades, síndrome, incontinencia, disfunción eréctil
  `),
  specialty: terms(`
    oncología, oncólogo, oncóloga, psiquiatría, psiquiátrico, psiquiátrica, psiquiatra, salud mental,
    salud conductual, enfermedades infecciosas
  `),
  medication: terms(`
    medicamento, medicamentos, medicación, receta, recetas, dosis, insulina, metformina, metadona,
    suboxone, buprenorfina, naloxona, narcan, antidepresivo, antidepresivos, antibiótico,
    antibióticos, anticonceptivo, anticonceptivos, anticoncepción, ozempic, wegovy, semaglutida,
    oxicodona, adderall, estatinas
  `),
};

/** The clinical word lists, per language and category, as written (with accents). */
export const CLINICAL_TERMS: Readonly<
  Record<'en' | 'es', Readonly<Record<ClinicalCategory, readonly string[]>>>
> = {
  en: EN,
  es: ES,
};

/**
 * Text folded for whole-word, accent- and case-insensitive matching: lower case, accents dropped,
 * every run of non-letters/digits one space, padded with spaces so " word " finds whole words only.
 */
export function foldForMatching(text: string): string {
  const words = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${words} `;
}

interface FoldedTerm {
  readonly term: string;
  readonly folded: string;
  readonly category: ClinicalCategory;
}

// Both languages always apply: Spanish templates borrow English words ("Ozempic", "MRI") and the reverse.
const FOLDED: readonly FoldedTerm[] = (['en', 'es'] as const).flatMap((language) =>
  (Object.entries(CLINICAL_TERMS[language]) as [ClinicalCategory, readonly string[]][]).flatMap(
    ([category, terms]) => terms.map((term) => ({ term, folded: foldForMatching(term), category })),
  ),
);

/** A clinical term found in a text. */
export interface ClinicalTermHit {
  readonly term: string;
  readonly category: ClinicalCategory;
}

/** Clinical terms a text contains (whole words, accent- and case-insensitive), each once, in list order. */
export function findClinicalTerms(text: string): ClinicalTermHit[] {
  const haystack = foldForMatching(text);
  const seen = new Set<string>();
  const hits: ClinicalTermHit[] = [];
  for (const { term, folded, category } of FOLDED) {
    if (seen.has(folded) || !haystack.includes(folded)) continue;
    seen.add(folded);
    hits.push({ term, category });
  }
  return hits;
}
