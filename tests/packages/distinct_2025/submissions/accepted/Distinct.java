import java.util.HashSet;
import java.util.Scanner;

public class Distinct {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        HashSet<Long> seen = new HashSet<>();
        while (n-- > 0)
            seen.add(in.nextLong());
        System.out.println(seen.size());
    }
}
