/*
 * corpus.c
 *		Vocabulary the vendors' synthetic data is drawn from: names, company
 *		names in the mixed case real CRMs hold, and sentences of sales and
 *		support calls for transcripts.
 */
#include "sim.h"

#define LEN(a) ((int) (sizeof(a) / sizeof((a)[0])))

const char *const corpus_first_names[] = {
	"John", "Maria", "Wei", "Aisha", "Carlos", "Priya", "Kellie", "Marc", "Tim",
	"Alon", "Sofia", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Chloe", "Yuki",
	"Fatima", "Lars", "Ingrid", "Diego", "Hannah", "Omar", "Zoe", "Ethan",
	"Grace", "Lucas", "Mia", "Jack", "Amara", "Rohan", "Elena", "Tomás", "Nina",
	"Björn", "Chen", "Ava", "Samuel", "Leila",
};
const int	corpus_nfirst_names = LEN(corpus_first_names);

const char *const corpus_last_names[] = {
	"Doe", "Courville", "Smith", "Garcia", "Kostetsky", "Nguyen", "Patel",
	"Johnson", "Müller", "O'Brien", "Kim", "Rossi", "Dubois", "Silva", "Tanaka",
	"Andersson", "Kowalski", "Murphy", "Haddad", "Cohen", "Fernández", "Li",
	"Brown", "Wilson", "Taylor", "Okafor", "Ivanova", "Schmidt", "Larsen",
	"Novak",
};
const int	corpus_nlast_names = LEN(corpus_last_names);

/* Mixed case on purpose: search is case-insensitive, SQL equality is not. */
const char *const corpus_companies[] = {
	"Hewlett Packard Enterprise", "memoryBlue", "ACME Corp", "Acme Corp",
	"Globex Corporation", "Initech", "Umbrella Health", "Stark Industries",
	"Wayne Enterprises", "Wonka Industries", "Tyrell Corp", "Cyberdyne Systems",
	"Soylent Foods", "Hooli", "Pied Piper", "Vandelay Industries",
	"Massive Dynamic", "Aperture Science", "Zürich Versicherung", "O'Reilly Media",
	"3M", "eBay", "iRobot", "salesforce.com", "DataDog", "HubSpot",
	"Blue Origin", "Northwind Traders", "Contoso Ltd", "Fabrikam, Inc.",
};
const int	corpus_ncompanies = LEN(corpus_companies);

const char *const corpus_sentences[] = {
	"hey thanks for taking the time today",
	"can you hear me okay",
	"so tell me a little bit about your current process",
	"we are using spreadsheets for most of the reporting right now",
	"how many reps are on the team today",
	"about forty reps across two regions",
	"what does your budget look like for this quarter",
	"we would need to get sign off from procurement",
	"let me share my screen and walk you through the dashboard",
	"that integration with salesforce is really important for us",
	"what are the biggest challenges you see with onboarding",
	"our ramp time is around six months which is too long",
	"i can send over the pricing after the call",
	"does that timeline work for you",
	"we had an outage last week and support took two days to respond",
	"i understand that is frustrating let me look into the ticket",
	"could you confirm the account number for me",
	"please don't put me on hold again",
	"stop calling this number",
	"can we schedule a follow up for next tuesday",
	"who else should be involved in the decision",
	"the contract renews at the end of the month",
	"we are also evaluating two other vendors",
	"the price point is a little higher than we expected",
	"i will loop in my manager on the next call",
	"that sounds great talk to you soon",
};
const int	corpus_nsentences = LEN(corpus_sentences);
