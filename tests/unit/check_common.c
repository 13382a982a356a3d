#include "sv_log.h"
int main(void){return 0;}
