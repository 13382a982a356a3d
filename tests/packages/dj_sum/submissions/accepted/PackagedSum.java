// A package line: the class to start is se.solveit.sum.PackagedSum.
package se.solveit.sum;

import java.util.Scanner;

public class PackagedSum {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        long s = 0;
        for (int i = 0; i < n; i++)
            s += in.nextLong();
        System.out.println(s);
    }
}
