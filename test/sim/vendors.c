/*
 * vendors.c
 *		The list of simulated vendors: adding a vendor is one file plus one
 *		line here.
 */
#include "sim.h"

extern const SimVendor execvision_vendor;
extern const SimVendor voicegain_vendor;
extern const SimVendor siro_vendor;
extern const SimVendor ccai_vendor;
extern const SimVendor cresta_vendor;

const SimVendor *const sim_vendors[] = {
	&execvision_vendor,
	&voicegain_vendor,
	&siro_vendor,
	&ccai_vendor,
	&cresta_vendor,
};

const int	sim_nvendors = sizeof(sim_vendors) / sizeof(sim_vendors[0]);
