/*-------------------------------------------------------------------------
 *
 * conv_fdw.h
 *		  Declarations shared by the source files of conv_fdw, the foreign
 *		  data wrapper for conversation-intelligence vendor APIs.
 *
 * src/conv_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONV_FDW_H
#define CONV_FDW_H

/*
 * The vendors whose APIs conv_fdw reads.  The names are the values of the
 * server option "vendor", and also the remote schema names of IMPORT FOREIGN
 * SCHEMA.
 */
typedef enum ConvVendor
{
	CONV_VENDOR_EXECVISION,
	CONV_VENDOR_VOICEGAIN,
	CONV_VENDOR_SIRO,
	CONV_VENDOR_CCAI,
	CONV_VENDOR_CRESTA
} ConvVendor;

#define CONV_VENDOR_COUNT (CONV_VENDOR_CRESTA + 1)

/* in conv_fdw.c */
extern char *conv_fdw_user_agent;

/* in option.c */
extern bool conv_vendor_from_name(const char *name, ConvVendor *vendor);
extern const char *conv_vendor_name(ConvVendor vendor);

#endif							/* CONV_FDW_H */
